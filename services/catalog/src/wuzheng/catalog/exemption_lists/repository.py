"""SQL for 免证办 batches (inserted once, never updated)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.catalog.models import ExemptionList, ExemptionListItem, Item

INSERT_CHUNK = 5_000


async def get(session: AsyncSession, batch: int) -> ExemptionList | None:
    return await session.get(ExemptionList, batch)


async def list_all(session: AsyncSession) -> Sequence[ExemptionList]:
    return (await session.scalars(sa.select(ExemptionList).order_by(ExemptionList.batch))).all()


async def latest(session: AsyncSession) -> ExemptionList | None:
    statement = sa.select(ExemptionList).order_by(ExemptionList.batch.desc()).limit(1)
    return await session.scalar(statement)


async def item_seq_nos(session: AsyncSession, batch: int) -> list[int]:
    rows = await session.scalars(
        sa.select(ExemptionListItem.item_seq_no)
        .where(ExemptionListItem.batch == batch)
        .order_by(ExemptionListItem.item_seq_no)
    )
    return list(rows.all())


async def listed_items(session: AsyncSession, seq_nos: Sequence[int]) -> list[tuple[int, str, str]]:
    """``(seq_no, name, department code)`` of the given items, by ``seq_no``."""
    found: list[tuple[int, str, str]] = []
    unique = sorted(set(seq_nos))
    for start in range(0, len(unique), INSERT_CHUNK):
        chunk = unique[start : start + INSERT_CHUNK]
        rows = await session.execute(
            sa.select(Item.seq_no, Item.name, Item.department_code).where(Item.seq_no.in_(chunk))
        )
        found.extend(rows)
    return sorted(found)


async def insert(session: AsyncSession, batch: ExemptionList, seq_nos: Sequence[int]) -> None:
    session.add(batch)
    await session.flush()
    rows = [{"batch": batch.batch, "item_seq_no": seq_no} for seq_no in sorted(set(seq_nos))]
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.execute(sa.insert(ExemptionListItem), rows[start : start + INSERT_CHUNK])
