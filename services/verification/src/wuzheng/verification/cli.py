"""``wuzheng verification …`` and ``python -m wuzheng.verification …``."""

from wuzheng.service import service_cli
from wuzheng.verification.app import DEFINITION

app = service_cli(DEFINITION)
