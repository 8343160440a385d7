"""The migrations build exactly the tables the models describe (route credentials included),
and 0003 can be undone."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from wuzheng.db import downgrade, migrate
from wuzheng.db.testing import schema_differences
from wuzheng.messaging import messaging_metadata
from wuzheng.verification.app import DEFINITION
from wuzheng.verification.models import Base, load_all

METADATA = (Base.metadata, messaging_metadata)
CREDENTIAL_COLUMNS = {"credential_kind", "credential_ref", "credential_key_ref"}


def _route_columns(connection: Connection) -> set[str]:
    return {column["name"] for column in sa.inspect(connection).get_columns("issuer_routes")}


async def test_migrations_match_the_models_and_downgrade(database_url: str) -> None:
    load_all()
    await migrate(database_url, DEFINITION.migrations_package)
    assert await schema_differences(database_url, *METADATA) == []
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_route_columns) >= CREDENTIAL_COLUMNS
        await downgrade(database_url, DEFINITION.migrations_package, "0002")
        async with engine.connect() as connection:
            assert not await connection.run_sync(_route_columns) & CREDENTIAL_COLUMNS
    finally:
        await engine.dispose()
    await migrate(database_url, DEFINITION.migrations_package)
    assert await schema_differences(database_url, *METADATA) == []
