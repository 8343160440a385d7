from wuzheng.issuance.cli import app

app()
