"""The hand-written migrations create exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from wuzheng.db import Database, migrate
from wuzheng.messaging import messaging_metadata
from wuzheng.rescode.app import DEFINITION
from wuzheng.rescode.models import Base, load_models


async def test_migrations_match_the_models(database_url: str) -> None:
    load_models()
    await migrate(database_url, DEFINITION.migrations_package)
    database = Database(database_url)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        # compare_metadata takes a list of MetaData too (its stub says one).
        return list(compare_metadata(context, [Base.metadata, messaging_metadata]))  # type: ignore[arg-type]

    try:
        async with database.engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await database.stop()
