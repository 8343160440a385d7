from wuzheng.rescode.cli import app

app()
