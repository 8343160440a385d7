"""Reads of the catalogue read model."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.rescode.catalog_view.models import (
    CatalogDepartment,
    CatalogItem,
    CatalogItemLicenceType,
    CatalogLicenceType,
)


async def department(session: AsyncSession, code: str) -> CatalogDepartment | None:
    return await session.get(CatalogDepartment, code)


async def department_names(session: AsyncSession, codes: Collection[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await session.execute(
        sa.select(CatalogDepartment.code, CatalogDepartment.name).where(
            CatalogDepartment.code.in_(sorted(set(codes)))
        )
    )
    return dict(rows.all())


async def licence_types(
    session: AsyncSession, codes: Collection[str]
) -> dict[str, CatalogLicenceType]:
    if not codes:
        return {}
    rows = await session.scalars(
        sa.select(CatalogLicenceType).where(CatalogLicenceType.code.in_(sorted(set(codes))))
    )
    return {row.code: row for row in rows}


async def item(session: AsyncSession, seq_no: int) -> CatalogItem | None:
    return await session.get(CatalogItem, seq_no)


async def item_names(session: AsyncSession, seq_nos: Collection[int]) -> dict[int, str]:
    if not seq_nos:
        return {}
    rows = await session.execute(
        sa.select(CatalogItem.seq_no, CatalogItem.name).where(
            CatalogItem.seq_no.in_(sorted(set(seq_nos))), CatalogItem.name.is_not(None)
        )
    )
    return {seq_no: name for seq_no, name in rows if name is not None}


async def item_licence_types(session: AsyncSession, seq_no: int) -> list[str]:
    """The licence types the item's materials name, sorted."""
    rows = await session.scalars(
        sa.select(CatalogItemLicenceType.licence_type)
        .where(CatalogItemLicenceType.item_seq_no == seq_no)
        .order_by(CatalogItemLicenceType.licence_type)
    )
    return list(rows)
