"""Alembic environment of the rescode service: its tables plus the outbox/inbox."""

from wuzheng.db import run_alembic_env
from wuzheng.messaging import messaging_metadata
from wuzheng.rescode.models import Base, load_models

load_models()
run_alembic_env([Base.metadata, messaging_metadata])
