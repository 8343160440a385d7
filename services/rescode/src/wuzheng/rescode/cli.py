"""``wuzheng rescode …`` and ``python -m wuzheng.rescode …``."""

from wuzheng.rescode.app import DEFINITION
from wuzheng.service import service_cli

app = service_cli(DEFINITION)
