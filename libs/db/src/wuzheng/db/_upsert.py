from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignore(
    session: AsyncSession,
    table: Table,
    values: Mapping[str, Any],
    *,
    conflict_columns: Sequence[str],
) -> bool:
    """``INSERT … ON CONFLICT DO NOTHING``; True when the row was inserted.

    The inbox uses it to record an event id in the same transaction as the effect, so a
    redelivered event is recognised and skipped.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict_columns))
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0) == 1)
