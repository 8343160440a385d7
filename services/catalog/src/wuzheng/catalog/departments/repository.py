"""SQL for departments."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.catalog.models import Department, Item, LicenceType, LicenceTypeIssuer


async def list_all(session: AsyncSession) -> Sequence[Department]:
    return (await session.scalars(sa.select(Department).order_by(Department.code))).all()


async def get(session: AsyncSession, code: str) -> Department | None:
    return await session.get(Department, code)


async def by_issuer_code(session: AsyncSession, issuer_code: str) -> Department | None:
    return await session.scalar(sa.select(Department).where(Department.issuer_code == issuer_code))


async def existing_codes(session: AsyncSession, codes: Sequence[str]) -> set[str]:
    if not codes:
        return set()
    rows = await session.scalars(sa.select(Department.code).where(Department.code.in_(codes)))
    return set(rows.all())


async def count_items(session: AsyncSession, code: str) -> int:
    count = await session.scalar(
        sa.select(sa.func.count()).select_from(Item).where(Item.department_code == code)
    )
    return int(count or 0)


async def licence_types_issued(session: AsyncSession, code: str) -> Sequence[LicenceType]:
    statement = (
        sa.select(LicenceType)
        .join(LicenceTypeIssuer, LicenceTypeIssuer.licence_type_code == LicenceType.code)
        .where(LicenceTypeIssuer.department_code == code)
        .order_by(LicenceType.seq_no)
    )
    return (await session.scalars(statement)).all()
