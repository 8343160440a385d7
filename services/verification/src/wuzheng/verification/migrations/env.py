"""Alembic environment of the verification service: its tables plus the outbox/inbox."""

from wuzheng.db import run_alembic_env
from wuzheng.messaging import messaging_metadata
from wuzheng.verification.models import Base, load_all

load_all()
run_alembic_env([Base.metadata, messaging_metadata])
