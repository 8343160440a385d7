"""SQL of the consent read model: grants, revocations, consumption, and the claim an evidence
request makes on a one-case consent."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts.events.rescode import ConsentConsumed, ConsentGranted, ConsentRevoked
from wuzheng.verification.consents.models import Consent


async def apply_granted(
    session: AsyncSession, event: ConsentGranted, holder_hmac: str, at: dt.datetime
) -> None:
    row = await session.get(Consent, event.consent_id)
    if row is None:
        row = Consent(consent_id=event.consent_id, revoked_at=None, used_at=None)
        session.add(row)
    row.holder_hmac = holder_hmac
    row.department = event.department
    row.item_seq_no = event.item_seq_no
    row.licence_types = list(event.licence_types)
    row.scope = event.scope.value
    row.valid_until = event.valid_until
    row.granted_at = event.granted_at or at


async def apply_revoked(session: AsyncSession, event: ConsentRevoked, holder_hmac: str) -> None:
    row = await session.get(Consent, event.consent_id)
    if row is None:
        # Revoked before we saw the grant: keep a tombstone so a late grant stays revoked.
        session.add(
            Consent(
                consent_id=event.consent_id,
                holder_hmac=holder_hmac,
                department="",
                item_seq_no=None,
                licence_types=[],
                scope="revoked",
                valid_until=event.revoked_at,
                granted_at=event.revoked_at,
                revoked_at=event.revoked_at,
                used_at=None,
            )
        )
    elif row.revoked_at is None:
        row.revoked_at = event.revoked_at


async def apply_consumed(session: AsyncSession, event: ConsentConsumed) -> None:
    await session.execute(
        sa.update(Consent)
        .where(Consent.consent_id == event.consent_id, Consent.used_at.is_(None))
        .values(used_at=event.consumed_at)
    )


async def get(session: AsyncSession, consent_id: str) -> Consent | None:
    return await session.get(Consent, consent_id)


async def claim_one_case(session: AsyncSession, consent_id: str, at: dt.datetime) -> bool:
    """Mark a one-case consent used; False if another request used it first."""
    result = await session.execute(
        sa.update(Consent)
        .where(Consent.consent_id == consent_id, Consent.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
