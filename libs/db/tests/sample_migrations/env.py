"""Migrations for the db lib's own tests; the schema is in test_database.py."""

from sqlalchemy import MetaData

from wuzheng.db import run_alembic_env

run_alembic_env(MetaData())
