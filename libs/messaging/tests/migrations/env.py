"""Migrations for the messaging lib's tests: the messaging tables plus an effects table."""

from wuzheng.db import run_alembic_env
from wuzheng.messaging import messaging_metadata

run_alembic_env(messaging_metadata)
