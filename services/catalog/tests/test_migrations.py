"""The migrations build exactly the tables the models describe, and can be undone."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from wuzheng.catalog.app import DEFINITION
from wuzheng.catalog.models import Base
from wuzheng.db import migrate
from wuzheng.messaging import messaging_metadata

CATALOG_TABLES = set(Base.metadata.tables)


async def downgrade(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", "wuzheng.catalog:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    await asyncio.to_thread(command.downgrade, config, revision)


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, [Base.metadata, messaging_metadata]))


def _tables(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


async def test_migrations_match_the_models_and_downgrade(database_url: str) -> None:
    await migrate(database_url, DEFINITION.migrations_package)
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            assert await connection.run_sync(_tables) >= CATALOG_TABLES
        await downgrade(database_url, "0001")
        async with engine.connect() as connection:
            left = await connection.run_sync(_tables)
            assert not CATALOG_TABLES & left
            assert {"outbox", "inbox", "dead_letter"} <= left
        await migrate(database_url, DEFINITION.migrations_package)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()
