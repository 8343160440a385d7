"""The migrations build exactly the tables the models describe, and can be undone."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from wuzheng.catalog.app import DEFINITION
from wuzheng.catalog.models import Base
from wuzheng.db import downgrade, migrate
from wuzheng.db.testing import schema_differences
from wuzheng.messaging import messaging_metadata

METADATA = (Base.metadata, messaging_metadata)
CATALOG_TABLES = set(Base.metadata.tables)


def _tables(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


async def test_migrations_match_the_models_and_downgrade(database_url: str) -> None:
    await migrate(database_url, DEFINITION.migrations_package)
    assert await schema_differences(database_url, *METADATA) == []
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) >= CATALOG_TABLES
        await downgrade(database_url, DEFINITION.migrations_package, "0001")
        async with engine.connect() as connection:
            left = await connection.run_sync(_tables)
            assert not CATALOG_TABLES & left
            assert {"outbox", "inbox", "dead_letter"} <= left
    finally:
        await engine.dispose()
    await migrate(database_url, DEFINITION.migrations_package)
    assert await schema_differences(database_url, *METADATA) == []
