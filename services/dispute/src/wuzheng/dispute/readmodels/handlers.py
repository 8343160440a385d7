"""Keep the local read models up to date from ``certificate.*``, ``catalog.*`` and
``verification.*`` events. Each handler runs in its consumer's inbox transaction, so an
event is applied once; every catalog and licence event carries the whole current state,
so applying is an upsert."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope, VerificationOutcome
from wuzheng.contracts.events.catalog import DepartmentUpserted, ItemUpserted, LicenceTypeUpserted
from wuzheng.contracts.events.certificate import (
    LicenceAmended,
    LicenceCancelled,
    LicenceExpired,
    LicenceIssued,
    LicenceReinstated,
    LicenceRevoked,
    LicenceSuspended,
)
from wuzheng.contracts.events.verification import VerificationCompleted
from wuzheng.dispute.context import DisputeContext
from wuzheng.dispute.models import (
    CatalogDepartment,
    CatalogItem,
    CatalogLicenceType,
    KnownLicence,
    LicenceVerification,
)

logger = logging.getLogger("wuzheng.dispute.readmodels")

LicenceEvent = (
    LicenceIssued
    | LicenceAmended
    | LicenceSuspended
    | LicenceReinstated
    | LicenceRevoked
    | LicenceCancelled
    | LicenceExpired
)
# A licence is known once valid; a seal added to a jointly sealed one that is not yet
# valid (certificate.licence.seal_added) is not a licence anyone can dispute yet.
LICENCE_EVENTS = (
    LicenceIssued,
    LicenceAmended,
    LicenceSuspended,
    LicenceReinstated,
    LicenceRevoked,
    LicenceCancelled,
    LicenceExpired,
)

# Answers that told the asking department something about the licence version: it used
# the data, so it must hear of a correction. Not found / holder mismatch told it nothing.
ANSWERED = frozenset(VerificationOutcome) - {
    VerificationOutcome.NOT_FOUND,
    VerificationOutcome.HOLDER_MISMATCH,
}


async def apply_licence(
    session: AsyncSession, context: DisputeContext, envelope: EventEnvelope
) -> LicenceEvent | None:
    """Upsert the licence an event describes; an amendment also marks the previous version
    superseded. Returns the payload (None for events that are not about a valid licence)."""
    payload = envelope.payload()
    if not isinstance(payload, LICENCE_EVENTS):
        return None
    now = context.clock.now()
    licence_id = str(payload.licence_id)
    row = await session.get(KnownLicence, licence_id)
    if row is None:
        row = KnownLicence(licence_id=licence_id)
        session.add(row)
    row.type_code = str(payload.type_code)
    row.issuer_code = str(payload.issuer_code)
    row.department = payload.department
    row.holder_digest = context.holder_digest(payload.holder)
    row.version = payload.version
    row.status = "superseded" if row.superseded_by else payload.status.value
    row.updated_at = now
    if isinstance(payload, LicenceAmended):
        previous_id = str(payload.previous_licence_id)
        previous = await session.get(KnownLicence, previous_id)
        if previous is None:  # the amendment arrived first: the versions share these facts
            previous = KnownLicence(
                licence_id=previous_id,
                type_code=row.type_code,
                issuer_code=row.issuer_code,
                department=row.department,
                holder_digest=row.holder_digest,
                version=payload.previous_licence_id.version,
            )
            session.add(previous)
        previous.superseded_by = licence_id
        previous.status = "superseded"
        previous.updated_at = now
    await session.flush()
    return payload


async def apply_department(session: AsyncSession, envelope: EventEnvelope) -> None:
    payload = envelope.payload_as(DepartmentUpserted)
    row = await session.get(CatalogDepartment, payload.code)
    if row is None:
        row = CatalogDepartment(code=payload.code)
        session.add(row)
    row.name, row.issuer_code = payload.name, str(payload.issuer_code)
    await session.flush()


async def apply_item(session: AsyncSession, envelope: EventEnvelope) -> None:
    payload = envelope.payload_as(ItemUpserted)
    row = await session.get(CatalogItem, payload.seq_no)
    if row is None:
        row = CatalogItem(seq_no=payload.seq_no)
        session.add(row)
    row.name, row.department = payload.name, payload.department
    await session.flush()


async def apply_licence_type(session: AsyncSession, envelope: EventEnvelope) -> None:
    payload = envelope.payload_as(LicenceTypeUpserted)
    code = str(payload.code)
    row = await session.get(CatalogLicenceType, code)
    if row is None:
        row = CatalogLicenceType(code=code)
        session.add(row)
    row.name = payload.name
    row.department = payload.issuing_departments[0].code if payload.issuing_departments else None
    row.fields = [spec.key for spec in payload.fields]
    await session.flush()


async def apply_verification(
    session: AsyncSession, envelope: EventEnvelope
) -> VerificationCompleted | None:
    """Record that a department got an answer about a licence version; None when the
    event says nothing about one (no licence, or no answer)."""
    payload = envelope.payload_as(VerificationCompleted)
    if not payload.licence_id or payload.result not in ANSWERED:
        return None
    key = {"licence_id": payload.licence_id, "department": payload.caller_department}
    row = await session.get(LicenceVerification, key)
    if row is None:
        session.add(
            LicenceVerification(
                **key, first_at=payload.completed_at, last_at=payload.completed_at, count=1
            )
        )
    else:
        row.count += 1
        row.first_at = min(row.first_at, payload.completed_at)
        row.last_at = max(row.last_at, payload.completed_at)
    await session.flush()
    return payload
