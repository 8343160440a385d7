"""Reads of the wallet tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.rescode.wallet.models import LicenceObjection, WalletLicence, WalletSupersession


@dataclass
class LicenceView:
    row: WalletLicence
    superseded_by: str | None = None
    objections: list[str] = field(default_factory=list)


async def licences(
    session: AsyncSession,
    holder_hash: str,
    *,
    types: Collection[str] | None = None,
    include_superseded: bool = True,
) -> Sequence[LicenceView]:
    """The holder's licences (of ``types`` when given), by type then version."""
    statement = sa.select(WalletLicence).where(WalletLicence.holder_hash == holder_hash)
    if types is not None:
        if not types:
            return []
        statement = statement.where(WalletLicence.type_code.in_(sorted(set(types))))
    rows = (
        await session.scalars(
            statement.order_by(
                WalletLicence.type_code, WalletLicence.licence_no, WalletLicence.version
            )
        )
    ).all()
    if not rows:
        return []
    ids = [row.licence_id for row in rows]
    superseded = dict(
        (
            await session.execute(
                sa.select(WalletSupersession.licence_id, WalletSupersession.superseded_by).where(
                    WalletSupersession.licence_id.in_(ids)
                )
            )
        ).all()
    )
    objections: dict[str, list[str]] = defaultdict(list)
    open_objections = await session.execute(
        sa.select(LicenceObjection.licence_id, LicenceObjection.dispute_id)
        .where(
            LicenceObjection.licence_id.in_(ids),
            LicenceObjection.opened_at.is_not(None),
            LicenceObjection.closed_at.is_(None),
        )
        .order_by(LicenceObjection.dispute_id)
    )
    for licence_id, dispute_id in open_objections:
        if licence_id is not None:
            objections[licence_id].append(dispute_id)
    views = [
        LicenceView(row, superseded.get(row.licence_id), objections.get(row.licence_id, []))
        for row in rows
    ]
    if not include_superseded:
        views = [view for view in views if view.superseded_by is None]
    return views


async def exists(session: AsyncSession, licence_id: str) -> bool:
    found = await session.scalar(
        sa.select(WalletLicence.licence_id).where(WalletLicence.licence_id == licence_id)
    )
    return found is not None
