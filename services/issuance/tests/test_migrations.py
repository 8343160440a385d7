"""The hand-written migrations create exactly the tables the models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from wuzheng.db import migrate
from wuzheng.issuance.app import DEFINITION
from wuzheng.issuance.models import Base, load_models
from wuzheng.messaging import messaging_metadata


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, [Base.metadata, messaging_metadata]))  # type: ignore[arg-type]


async def test_migrations_match_the_models(database_url: str) -> None:
    load_models()
    await migrate(database_url, DEFINITION.migrations_package)
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()
