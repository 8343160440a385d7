"""Applying the dispute service's events.

``dispute.case.opened`` / ``dispute.case.closed`` keep the ``under_objection`` flag of the
licence named (reported in verification answers and licence reads). ``dispute.case.resolved``
with corrections amends the licence — its current version, if it has been amended since —
as its issuing department, recording the dispute id in the history and in
``certificate.licence.amended``. Corrections that do not fit the licence type's schema can
never apply: the event is dead-lettered for an operator. A licence that is no longer valid
or suspended (revoked, cancelled, expired) is not amended; that is logged.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope, InvalidInput
from wuzheng.contracts.events.dispute import DisputeClosed, DisputeOpened, DisputeResolved
from wuzheng.db import insert_ignore
from wuzheng.issuance.context import IssuanceContext
from wuzheng.issuance.disputes.models import Objection
from wuzheng.issuance.errors import IllegalTransition
from wuzheng.issuance.licences import service as licences
from wuzheng.issuance.licences.models import Licence
from wuzheng.messaging import EventConsumer, PoisonMessage

logger = logging.getLogger("wuzheng.issuance.disputes")

DISPUTE_EVENTS = ("dispute.case.opened", "dispute.case.closed", "dispute.case.resolved")
DISPUTE_OPERATOR = "dispute-service"


async def objection_opened(session: AsyncSession, event: DisputeOpened) -> None:
    if event.licence_id is None:
        return  # an objection about the catalogue, not a licence
    await insert_ignore(
        session,
        Objection.__table__,  # type: ignore[arg-type]
        {
            "dispute_id": event.dispute_id,
            "licence_id": event.licence_id,
            "opened_at": event.opened_at,
            "closed_at": None,
        },
        conflict_columns=["dispute_id"],
    )


async def objection_closed(
    session: AsyncSession, dispute_id: str, licence_id: str | None, at: datetime
) -> None:
    row = await session.get(Objection, dispute_id)
    if row is None:  # closed before we saw it opened: remember, so a late "opened" stays closed
        session.add(
            Objection(dispute_id=dispute_id, licence_id=licence_id, opened_at=None, closed_at=at)
        )
    elif row.closed_at is None:
        row.closed_at = at


def _split_corrections(
    event: DisputeResolved,
) -> tuple[dict[str, Any], dict[str, date | None]]:
    fields = dict(event.corrections)
    dates: dict[str, date | None] = {}
    for name in ("valid_from", "valid_until"):
        if name in fields:
            value = fields.pop(name)
            try:
                dates[name] = date.fromisoformat(value) if value is not None else None
            except (TypeError, ValueError):
                raise PoisonMessage(
                    f"dispute {event.dispute_id}: correction {name}={value!r} is not a date"
                ) from None
    return fields, dates


async def apply_resolution(
    session: AsyncSession, ctx: IssuanceContext, event: DisputeResolved
) -> Licence | None:
    """Amend the licence as the resolution says; the new version, or None if nothing was
    amended."""
    await objection_closed(session, event.dispute_id, event.licence_id, event.resolved_at)
    if not event.corrections:
        return None
    licence = await session.get(Licence, event.licence_id)
    if licence is None:
        logger.warning(
            "dispute %s resolved for licence %s, which is not issued here",
            event.dispute_id,
            event.licence_id,
        )
        return None
    current = await licences.current_version(session, licence)
    fields, dates = _split_corrections(event)
    change = licences.Amendment(
        fields=fields,
        reason=f"dispute {event.dispute_id}: {event.note}"[:500],
        valid_from=dates.get("valid_from"),
        valid_until=dates.get("valid_until"),
        set_valid_until="valid_until" in dates,
        dispute_id=event.dispute_id,
    )
    actor = licences.Actor(current.department_code, DISPUTE_OPERATOR)
    try:
        return await licences.amend(
            session, ctx, actor, current.id, change, location="corrections", enforce_owner=False
        )
    except InvalidInput as exc:
        raise PoisonMessage(
            f"dispute {event.dispute_id}: corrections do not fit licence {current.id}: {exc.detail}"
        ) from None
    except IllegalTransition as exc:
        logger.warning(
            "dispute %s: licence %s not amended: %s", event.dispute_id, current.id, exc.detail
        )
        return None


def register(consumer: EventConsumer, ctx: IssuanceContext) -> None:
    async def opened(session: AsyncSession, envelope: EventEnvelope) -> None:
        await objection_opened(session, envelope.payload_as(DisputeOpened))

    async def closed(session: AsyncSession, envelope: EventEnvelope) -> None:
        event = envelope.payload_as(DisputeClosed)
        await objection_closed(session, event.dispute_id, event.licence_id, event.closed_at)

    async def resolved(session: AsyncSession, envelope: EventEnvelope) -> None:
        await apply_resolution(session, ctx, envelope.payload_as(DisputeResolved))

    consumer.on("dispute.case.opened", opened)
    consumer.on("dispute.case.closed", closed)
    consumer.on("dispute.case.resolved", resolved)
