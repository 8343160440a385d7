from wuzheng.catalog.cli import app

app()
