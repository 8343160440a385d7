"""SQL of the licence read model: event upserts, a holder's licences, signed copies, status
lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import LicenceStatus
from wuzheng.contracts.events.certificate import (
    LicenceAmended,
    LicenceCancelled,
    LicenceExpired,
    LicenceIssued,
    LicenceReinstated,
    LicenceRevoked,
    LicenceSealAdded,
    LicenceSuspended,
    StatusListPublished,
)
from wuzheng.db import insert_ignore, utcnow
from wuzheng.verification.licences.models import HolderLicence, SignedLicence, StatusListRow

LicenceEvent = (
    LicenceIssued
    | LicenceSealAdded
    | LicenceAmended
    | LicenceSuspended
    | LicenceReinstated
    | LicenceRevoked
    | LicenceCancelled
    | LicenceExpired
)
LICENCE_EVENTS = (
    LicenceIssued,
    LicenceSealAdded,
    LicenceAmended,
    LicenceSuspended,
    LicenceReinstated,
    LicenceRevoked,
    LicenceCancelled,
    LicenceExpired,
)


async def apply_licence_event(
    session: AsyncSession, event: LicenceEvent, holder_hmac: str, at: dt.datetime
) -> None:
    """Upsert the licence the event describes (an older event does not overwrite a newer);
    an amendment also marks the version it replaced superseded."""
    licence_id = str(event.licence_id)
    row = await session.get(HolderLicence, licence_id)
    if row is None:
        row = HolderLicence(licence_id=licence_id)
        session.add(row)
    elif row.event_time > at:
        return
    row.holder_hmac = holder_hmac
    row.type_code = str(event.type_code)
    row.issuer_code = str(event.issuer_code)
    row.department = event.department
    row.licence_no = event.licence_no
    row.version = event.version
    row.status = event.status.value
    row.valid_from = event.valid_from
    row.valid_until = event.valid_until
    row.status_list_index = event.status_list_index
    row.event_time = at
    if isinstance(event, LicenceAmended):
        previous = await session.get(HolderLicence, str(event.previous_licence_id))
        if previous is not None and previous.event_time <= at:
            previous.status = LicenceStatus.SUPERSEDED.value
            previous.event_time = at


async def holder_licences(
    session: AsyncSession, holder_hmac: str, type_codes: Sequence[str]
) -> Sequence[HolderLicence]:
    """The holder's licences of these types, newest version first."""
    if not type_codes:
        return []
    query = (
        sa.select(HolderLicence)
        .where(HolderLicence.holder_hmac == holder_hmac)
        .where(HolderLicence.type_code.in_(list(type_codes)))
        .order_by(HolderLicence.valid_from.desc(), HolderLicence.version.desc())
    )
    return (await session.scalars(query)).all()


async def licence(session: AsyncSession, licence_id: str) -> HolderLicence | None:
    return await session.get(HolderLicence, licence_id)


async def keep_signed(session: AsyncSession, licence_id: str, issuer_code: str, token: str) -> None:
    row = await session.get(SignedLicence, licence_id)
    if row is None:
        await insert_ignore(
            session,
            SignedLicence.__table__,  # type: ignore[arg-type]
            {
                "licence_id": licence_id,
                "issuer_code": issuer_code,
                "token": token,
                "cached_at": utcnow(),
            },
            conflict_columns=["licence_id"],
        )
    elif row.token != token:
        row.token = token
        row.cached_at = utcnow()


async def signed(session: AsyncSession, licence_id: str) -> SignedLicence | None:
    return await session.get(SignedLicence, licence_id)


async def apply_status_list(session: AsyncSession, event: StatusListPublished) -> None:
    code = str(event.issuer_code)
    row = await session.get(StatusListRow, code)
    if row is None:
        session.add(
            StatusListRow(
                issuer_code=code, token=event.token, issued_at=event.issued_at, received_at=utcnow()
            )
        )
    elif event.issued_at >= row.issued_at:
        row.token = event.token
        row.issued_at = event.issued_at
        row.received_at = utcnow()


async def status_list(session: AsyncSession, issuer_code: str) -> StatusListRow | None:
    return await session.get(StatusListRow, issuer_code)
