"""Alembic environment of the catalog service: its tables plus the outbox/inbox."""

from wuzheng.catalog.models import Base
from wuzheng.db import run_alembic_env
from wuzheng.messaging import messaging_metadata

run_alembic_env([Base.metadata, messaging_metadata])
