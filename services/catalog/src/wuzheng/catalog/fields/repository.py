"""SQL for the field library."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from wuzheng.catalog.models import StandardField


async def list_all(session: AsyncSession) -> Sequence[StandardField]:
    statement = (
        sa.select(StandardField)
        .options(selectinload(StandardField.sources))
        .order_by(StandardField.key)
    )
    return (await session.scalars(statement)).all()


async def with_sources(session: AsyncSession, keys: Sequence[str]) -> Sequence[StandardField]:
    if not keys:
        return []
    statement = (
        sa.select(StandardField)
        .options(selectinload(StandardField.sources))
        .where(StandardField.key.in_(set(keys)))
    )
    return (await session.scalars(statement)).all()


async def existing_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    rows = await session.scalars(
        sa.select(StandardField.key).where(StandardField.key.in_(set(keys)))
    )
    return set(rows.all())
