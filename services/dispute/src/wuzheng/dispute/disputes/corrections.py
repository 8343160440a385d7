"""The correction loop, from the mesh's side.

1. A licence dispute is resolved with corrections: ``dispute.case.resolved`` (service.py).
2. The issuer amends the licence: ``certificate.licence.amended`` with ``dispute_id``
   arrives here; the dispute records the new version.
3. In the same transaction every department that verified the old version (known from
   ``verification.request.completed``, kept in ``licence_verifications``) is told:
   ``dispute.correction.propagated`` listing them; then ``dispute.case.closed``.
4. A verification of the old version that reaches us after that (events from the
   verification stream can lag behind the certificate stream) is told on its own: one more
   ``dispute.correction.propagated`` naming just that department.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope
from wuzheng.contracts.events.certificate import LicenceAmended
from wuzheng.contracts.events.dispute import CorrectionPropagated, DisputeClosed
from wuzheng.dispute.context import DisputeContext
from wuzheng.dispute.disputes import repository
from wuzheng.dispute.disputes.schemas import State
from wuzheng.dispute.disputes.service import OUTCOMES
from wuzheng.dispute.events import emit
from wuzheng.dispute.models import Dispute, Propagation
from wuzheng.dispute.readmodels.handlers import apply_licence, apply_verification

logger = logging.getLogger("wuzheng.dispute.corrections")


async def on_licence_event(
    session: AsyncSession, context: DisputeContext, envelope: EventEnvelope
) -> None:
    payload = await apply_licence(session, context, envelope)
    if isinstance(payload, LicenceAmended) and payload.dispute_id:
        await record_amendment(session, context, payload)


async def record_amendment(
    session: AsyncSession, context: DisputeContext, amended: LicenceAmended
) -> Dispute | None:
    assert amended.dispute_id is not None
    dispute = await repository.get(session, amended.dispute_id, for_update=True)
    if dispute is None or dispute.licence_id is None:
        logger.warning(
            "licence %s amended for dispute %s, which is not a licence dispute here",
            amended.licence_id,
            amended.dispute_id,
        )
        return None
    new_id = str(amended.licence_id)
    if dispute.new_licence_id is not None:
        if dispute.new_licence_id != new_id:
            logger.warning(
                "dispute %s already recorded amendment %s; ignoring %s",
                dispute.id,
                dispute.new_licence_id,
                new_id,
            )
        return dispute
    now = context.clock.now()
    dispute.new_licence_id = new_id
    dispute.amended_at = now
    dispute.correction_status = "amended"
    repository.add_history(
        session,
        dispute,
        at=now,
        kind="amended",
        action="licence_amended",
        from_state=dispute.state,
        to_state=dispute.state,
        actor_department=amended.department,
        actor_operator=None,
        note=amended.reason,
        details={
            "previous_licence_id": str(amended.previous_licence_id),
            "new_licence_id": new_id,
            "changed_fields": list(amended.changed_fields),
        },
    )
    old_ids = sorted({dispute.licence_id, str(amended.previous_licence_id)})
    departments = await repository.verifying_departments(session, old_ids)
    for department in departments:
        session.add(
            Propagation(dispute_id=dispute.id, department=department, told_at=now, late=False)
        )
    await emit(
        session,
        context.outbox,
        CorrectionPropagated(
            dispute_id=dispute.id,
            old_licence_id=dispute.licence_id,
            new_licence_id=new_id,
            departments=tuple(departments),
            changed_fields=tuple(amended.changed_fields),
            propagated_at=now,
        ),
        dispute.id,
    )
    dispute.correction_status = "propagated"
    dispute.propagated_at = now
    repository.add_history(
        session,
        dispute,
        at=now,
        kind="propagated",
        action="correction_propagated",
        from_state=dispute.state,
        to_state=dispute.state,
        actor_operator="system",
        note=f"{len(departments)} department(s) that verified the old version told",
        details={"departments": departments},
    )
    if dispute.state == State.RESOLVED:
        await emit(
            session,
            context.outbox,
            DisputeClosed(
                dispute_id=dispute.id,
                licence_id=dispute.licence_id,
                outcome=OUTCOMES[State.RESOLVED],
                closed_at=now,
            ),
            dispute.id,
        )
    await session.flush()
    logger.info(
        "dispute %s: %s amended to %s, %d department(s) told",
        dispute.id,
        dispute.licence_id,
        new_id,
        len(departments),
    )
    return dispute


async def on_verification(
    session: AsyncSession, context: DisputeContext, envelope: EventEnvelope
) -> None:
    verified = await apply_verification(session, envelope)
    if verified is None or verified.licence_id is None:
        return
    department = verified.caller_department
    for dispute in await repository.propagated_disputes_of(session, verified.licence_id):
        if await session.get(Propagation, (dispute.id, department)) is not None:
            continue
        assert dispute.new_licence_id is not None
        assert dispute.licence_id is not None
        now = context.clock.now()
        session.add(
            Propagation(dispute_id=dispute.id, department=department, told_at=now, late=True)
        )
        await emit(
            session,
            context.outbox,
            CorrectionPropagated(
                dispute_id=dispute.id,
                old_licence_id=dispute.licence_id,
                new_licence_id=dispute.new_licence_id,
                departments=(department,),
                changed_fields=tuple(dispute.corrections or ()),
                propagated_at=now,
            ),
            dispute.id,
        )
        repository.add_history(
            session,
            dispute,
            at=now,
            kind="propagated",
            action="correction_propagated_late",
            from_state=dispute.state,
            to_state=dispute.state,
            actor_operator="system",
            note=f"{department} verified the old version after the correction went out",
            details={"departments": [department]},
        )
    await session.flush()
