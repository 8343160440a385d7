"""Alembic environment of the issuance service: its tables plus the outbox/inbox."""

from wuzheng.db import run_alembic_env
from wuzheng.issuance.models import Base, load_models
from wuzheng.messaging import messaging_metadata

load_models()
run_alembic_env([Base.metadata, messaging_metadata])
