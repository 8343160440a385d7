"""SQL for service items and their materials.

Search is a substring match (``LIKE '%…%'``, wildcards escaped) over the item name, the
department as the plan writes it and the department's name: Chinese has no word
boundaries, and one scan of the items answers a search at the catalogue's size (see the
README's benchmark, up to 100,000 items).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.catalog.data.models import FulfilmentMode, Level
from wuzheng.catalog.models import (
    FULFILMENT_MODES,
    Department,
    ExemptionListItem,
    Item,
    Material,
)


@dataclass(frozen=True)
class ItemFilters:
    department: str | None = None
    level: Level | None = None
    mode: FulfilmentMode | None = None
    batch: int | None = None
    terms: tuple[str, ...] = ()
    """Every term must occur in the item name or its department's names."""


async def _conditions(session: AsyncSession, filters: ItemFilters) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.department is not None:
        conditions.append(Item.department_code == filters.department)
    if filters.level == "市级":
        conditions.append(Item.at_city_level.is_(True))
    elif filters.level == "县级":
        conditions.append(Item.at_county_level.is_(True))
    # Uncorrelated IN: the database reads the (indexed) subquery once instead of probing it
    # for every item.
    if filters.mode is not None:
        conditions.append(
            Item.seq_no.in_(sa.select(Material.item_seq_no).where(Material.mode == filters.mode))
        )
    if filters.batch is not None:
        conditions.append(
            Item.seq_no.in_(
                sa.select(ExemptionListItem.item_seq_no).where(
                    ExemptionListItem.batch == filters.batch
                )
            )
        )
    for term in filters.terms:
        # Departments are few: find those whose name matches first, so the scan over the
        # items needs no join.
        named = await session.scalars(
            sa.select(Department.code).where(Department.name.contains(term, autoescape=True))
        )
        matches = [
            Item.name.contains(term, autoescape=True),
            Item.department_text.contains(term, autoescape=True),
        ]
        if codes := list(named):
            matches.append(Item.department_code.in_(codes))
        conditions.append(sa.or_(*matches))
    return conditions


async def search(
    session: AsyncSession, filters: ItemFilters, *, limit: int, offset: int
) -> tuple[int, Sequence[tuple[Item, str]]]:
    """``(total, page)``: the number of matching items and one page of ``(item, department
    name)`` ordered by ``seq_no``.

    A search scans the items, so one scan answers both: the page's rows carry
    ``count(*) OVER ()`` (a page past the end costs a second query for the total). Without
    a search, counting apart is cheaper than a window over every match.
    """
    conditions = await _conditions(session, filters)
    counted = sa.select(sa.func.count()).select_from(Item).where(*conditions)
    page = sa.select(Item).where(*conditions).order_by(Item.seq_no).limit(limit).offset(offset)
    if filters.terms:
        rows = (await session.execute(page.add_columns(sa.func.count().over()))).all()
        if rows:
            total = int(rows[0][1])
        else:
            total = 0 if offset == 0 else int(await session.scalar(counted) or 0)
    else:
        total = int(await session.scalar(counted) or 0)
        rows = (await session.execute(page)).all() if total > offset else []
    items = [row[0] for row in rows]
    names = await department_names(session, {item.department_code for item in items})
    return total, [(item, names[item.department_code]) for item in items]


async def department_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await session.execute(
        sa.select(Department.code, Department.name).where(Department.code.in_(codes))
    )
    return dict(rows.all())


async def get(session: AsyncSession, seq_no: int) -> tuple[Item, str] | None:
    statement = (
        sa.select(Item, Department.name)
        .join(Department, Department.code == Item.department_code)
        .where(Item.seq_no == seq_no)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else (row[0], row[1])


async def exists(session: AsyncSession, seq_no: int) -> bool:
    return await session.scalar(sa.select(Item.seq_no).where(Item.seq_no == seq_no)) is not None


async def existing_seq_nos(session: AsyncSession, seq_nos: Sequence[int]) -> set[int]:
    found: set[int] = set()
    unique = sorted(set(seq_nos))
    for start in range(0, len(unique), 5_000):  # stay under bind-parameter limits
        chunk = unique[start : start + 5_000]
        rows = await session.scalars(sa.select(Item.seq_no).where(Item.seq_no.in_(chunk)))
        found.update(rows.all())
    return found


async def modes_and_batches(
    session: AsyncSession, seq_nos: Sequence[int]
) -> tuple[dict[int, list[FulfilmentMode]], dict[int, list[int]]]:
    """Per item: the distinct modes of its materials (in the canonical order) and the
    batches listing it (ascending)."""
    modes: dict[int, set[FulfilmentMode]] = defaultdict(set)
    batches: dict[int, list[int]] = defaultdict(list)
    if seq_nos:
        rows = await session.execute(
            sa.select(Material.item_seq_no, Material.mode)
            .where(Material.item_seq_no.in_(seq_nos))
            .distinct()
        )
        for seq_no, mode in rows:
            modes[seq_no].add(mode)
        listed = await session.execute(
            sa.select(ExemptionListItem.item_seq_no, ExemptionListItem.batch)
            .where(ExemptionListItem.item_seq_no.in_(seq_nos))
            .order_by(ExemptionListItem.batch)
        )
        for seq_no, batch in listed:
            batches[seq_no].append(batch)
    ordered = {
        seq_no: [mode for mode in FULFILMENT_MODES if mode in found]
        for seq_no, found in modes.items()
    }
    return ordered, batches


async def materials(session: AsyncSession, seq_no: int) -> Sequence[Material]:
    statement = (
        sa.select(Material).where(Material.item_seq_no == seq_no).order_by(Material.position)
    )
    return (await session.scalars(statement)).all()


async def replace_materials(
    session: AsyncSession, seq_no: int, new: Sequence[Material]
) -> Sequence[Material]:
    """Delete the item's materials and insert ``new`` (positions 1..n are set here)."""
    await session.execute(sa.delete(Material).where(Material.item_seq_no == seq_no))
    for position, material in enumerate(new, start=1):
        material.item_seq_no = seq_no
        material.position = position
        session.add(material)
    await session.flush()
    return new
