from wuzheng.dispute.cli import app

app()
