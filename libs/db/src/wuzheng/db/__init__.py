"""Database access for every service: async SQLAlchemy over SQLite (embedded) or PostgreSQL.

    database = Database(settings.resolved_database_url)   # a web-kit Resource
    async with database.transaction() as session:          # commits, or rolls back on error
        session.add(row)

In request handlers take ``SessionDep``: the request owns the transaction, which commits
after the handler returns and before the response is sent, and rolls back on any error.
Services only ``flush``. Migrations are alembic, one history per service; a service's
``migrations/env.py`` is two lines calling :func:`run_alembic_env`.
"""

from wuzheng.db._base import NAMING_CONVENTION, UtcDateTime, make_metadata, utcnow
from wuzheng.db._database import Database, PoolSettings, is_sqlite
from wuzheng.db._dependencies import DatabaseDep, SessionDep, get_database, get_session
from wuzheng.db._migrations import (
    current_revisions,
    downgrade,
    head_revisions,
    migrate,
    migrate_sync,
    run_alembic_env,
    run_on_connection,
)
from wuzheng.db._upsert import insert_ignore

__all__ = [
    "NAMING_CONVENTION",
    "Database",
    "DatabaseDep",
    "PoolSettings",
    "SessionDep",
    "UtcDateTime",
    "current_revisions",
    "downgrade",
    "get_database",
    "get_session",
    "head_revisions",
    "insert_ignore",
    "is_sqlite",
    "make_metadata",
    "migrate",
    "migrate_sync",
    "run_alembic_env",
    "run_on_connection",
    "utcnow",
]
