"""The migrations build exactly the tables the models describe; 0003 refuses a database
with two open disputes about one licence field, and can be undone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from wuzheng.db import downgrade, migrate
from wuzheng.db.testing import schema_differences
from wuzheng.dispute.app import DEFINITION
from wuzheng.dispute.models import Base, Dispute
from wuzheng.messaging import messaging_metadata

METADATA = (Base.metadata, messaging_metadata)

INDEX = "uq_disputes_open_licence_field"
FILED = dt.datetime(2025, 3, 3, 1, 0, tzinfo=dt.UTC)


def _indexes(connection: Connection) -> set[str]:
    return {str(index["name"]) for index in sa.inspect(connection).get_indexes("disputes")}


def _dispute(n: int, field: str, state: str) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-7000-8000-{n:012d}",
        "kind": "licence",
        "state": state,
        "department": "public-security",
        "target_ref": "licence-1",
        "licence_id": "licence-1",
        "field": field,
        "claimed_value": "x",
        "description": "d",
        "evidence": [],
        "filed_as": "holder",
        "channel": "app",
        "filed_by_department": "public-security",
        "filed_at": FILED,
        "filed_day": FILED.date(),
        "accept_due_at": FILED + dt.timedelta(days=1),
        "resolve_due_at": FILED + dt.timedelta(days=7),
    }


async def test_migrations_match_the_models_and_refuse_doubles(database_url: str) -> None:
    await migrate(database_url, DEFINITION.migrations_package)
    assert await schema_differences(database_url, *METADATA) == []
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert INDEX in await connection.run_sync(_indexes)

        await downgrade(database_url, DEFINITION.migrations_package, "0002")
        disputes = Dispute.__table__
        async with engine.begin() as connection:
            assert INDEX not in await connection.run_sync(_indexes)
            await connection.execute(
                sa.insert(disputes),
                [
                    _dispute(1, "address", "submitted"),
                    _dispute(2, "address", "accepted"),  # a double, from before the index
                    _dispute(3, "address", "rejected"),  # closed: not counted
                    _dispute(4, "holder_name", "submitted"),
                ],
            )
        with pytest.raises(RuntimeError, match=r"1 licence fields .* licence-1 address \(2 open\)"):
            await migrate(database_url, DEFINITION.migrations_package)

        async with engine.begin() as connection:  # an operator withdraws the double
            await connection.execute(
                sa.update(disputes).where(disputes.c.id == _dispute(2, "", "")["id"]),
                {"state": "withdrawn"},
            )
    finally:
        await engine.dispose()
    await migrate(database_url, DEFINITION.migrations_package)
    assert await schema_differences(database_url, *METADATA) == []
