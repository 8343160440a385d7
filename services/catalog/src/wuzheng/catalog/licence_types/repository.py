"""SQL for licence types."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from wuzheng.catalog.models import LicenceType, LicenceTypeIssuer

_WITH_ISSUERS = selectinload(LicenceType.issuers).selectinload(LicenceTypeIssuer.department)


async def list_all(session: AsyncSession) -> Sequence[LicenceType]:
    statement = sa.select(LicenceType).options(_WITH_ISSUERS).order_by(LicenceType.seq_no)
    return (await session.scalars(statement)).all()


async def get(session: AsyncSession, code: str) -> LicenceType | None:
    statement = sa.select(LicenceType).options(_WITH_ISSUERS).where(LicenceType.code == code)
    return await session.scalar(statement)


async def issued_by(session: AsyncSession, department_code: str) -> Sequence[LicenceType]:
    issued = sa.select(LicenceTypeIssuer.licence_type_code).where(
        LicenceTypeIssuer.department_code == department_code
    )
    statement = (
        sa.select(LicenceType)
        .options(_WITH_ISSUERS)
        .where(LicenceType.code.in_(issued))
        .order_by(LicenceType.seq_no)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).all()


async def names_by_code(session: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await session.execute(
        sa.select(LicenceType.code, LicenceType.name).where(LicenceType.code.in_(set(codes)))
    )
    return dict(rows.all())


async def by_codes(session: AsyncSession, codes: Sequence[str]) -> Sequence[LicenceType]:
    """Licence types without their issuers (``issuers`` is not loaded)."""
    if not codes:
        return []
    statement = sa.select(LicenceType).where(LicenceType.code.in_(set(codes)))
    return (await session.scalars(statement)).all()
