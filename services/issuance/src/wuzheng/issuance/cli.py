"""``wuzheng issuance …`` and ``python -m wuzheng.issuance …``."""

from wuzheng.issuance.app import DEFINITION
from wuzheng.service import service_cli

app = service_cli(DEFINITION)
