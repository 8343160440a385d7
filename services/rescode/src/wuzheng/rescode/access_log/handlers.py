"""``verification.request.completed`` → the holder's access log (consumer
``rescode-verifications``, stream VERIFICATION).

Each verification or evidence request becomes a record and a ``rescode.access.recorded``
event. When the event names the consent it used (an optional ``consent_id`` member the
verification service may send), a one-case consent is marked used here too, so a scan
cannot use it again.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope
from wuzheng.contracts.events.verification import VerificationCompleted
from wuzheng.messaging import EventConsumer, Outbox
from wuzheng.rescode.access_log import service
from wuzheng.rescode.access_log.repository import Entry
from wuzheng.rescode.consents import service as consents
from wuzheng.rescode.consents.models import Consent
from wuzheng.rescode.keys import HolderVault

__all__ = ["AccessLogFeed"]


class AccessLogFeed:
    def __init__(self, vault: HolderVault, outbox: Outbox) -> None:
        self.vault = vault
        self.outbox = outbox

    def register(self, verifications: EventConsumer) -> None:
        verifications.on("verification.request.completed", self.verification_completed)

    async def verification_completed(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = envelope.payload_as(VerificationCompleted)
        entry = Entry(
            source=event.kind.value,
            department=event.caller_department,
            purpose=event.purpose,
            result=event.result,
            at=event.completed_at,
            operator_id=event.operator_id,
            item_seq_no=event.item_seq_no,
            reference=event.record_id,
            licence_ids=event.licence_ids or ((event.licence_id,) if event.licence_id else ()),
            type_code=event.type_code,
        )
        await service.record(session, self.outbox, self.vault, event.holder, entry)
        consent_id = envelope.data.get("consent_id")
        if isinstance(consent_id, str):
            consent = await session.get(Consent, consent_id)
            if consent is not None and consent.holder_hash == self.vault.hash(event.holder):
                await consents.consume(
                    session,
                    None,
                    consent,
                    event.holder,
                    by=event.kind.value,
                    reference=event.record_id,
                    now=event.completed_at,
                )
