"""Alembic environment of the dispute service: its tables plus the outbox/inbox."""

from wuzheng.db import run_alembic_env
from wuzheng.dispute.models import Base
from wuzheng.messaging import messaging_metadata

run_alembic_env([Base.metadata, messaging_metadata])
