"""``wuzheng dispute …`` and ``python -m wuzheng.dispute …``."""

from wuzheng.dispute.app import DEFINITION
from wuzheng.service import service_cli

app = service_cli(DEFINITION)
