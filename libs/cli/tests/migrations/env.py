"""Migrations of the CLI tests' stand-in service: the messaging tables every service has."""

from wuzheng.db import run_alembic_env
from wuzheng.messaging import messaging_metadata

run_alembic_env(messaging_metadata)
