"""``wuzheng catalog …`` and ``python -m wuzheng.catalog …``."""

from wuzheng.catalog.app import DEFINITION
from wuzheng.catalog.commands import register
from wuzheng.service import service_cli

app = service_cli(DEFINITION)
register(app)
