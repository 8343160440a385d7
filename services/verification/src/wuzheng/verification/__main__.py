from wuzheng.verification.cli import app

app()
