"""``certificate.licence.*`` and ``dispute.case.*`` → the wallet tables.

Consumers ``rescode-certificates`` (stream CERTIFICATE) and ``rescode-disputes`` (stream
DISPUTE). Each licence event carries the licence's complete facts: the row becomes the
facts of the newest event (by the envelope's ``time``) about that licence. ``amended``
also records that the previous version was superseded; ``seal_added`` shows a jointly
sealed licence still waiting for seals; a dispute opened about a licence marks it
"under objection" until the dispute closes.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope
from wuzheng.contracts.events.certificate import (
    LicenceAmended,
    LicenceCancelled,
    LicenceExpired,
    LicenceIssued,
    LicenceReinstated,
    LicenceRevoked,
    LicenceSealAdded,
    LicenceSuspended,
)
from wuzheng.contracts.events.dispute import DisputeClosed, DisputeOpened
from wuzheng.db import utcnow
from wuzheng.messaging import EventConsumer
from wuzheng.rescode.keys import HolderVault
from wuzheng.rescode.wallet.models import LicenceObjection, WalletLicence, WalletSupersession

__all__ = ["LICENCE_EVENTS", "WalletProjection"]

StatusChange = (
    LicenceSuspended | LicenceReinstated | LicenceRevoked | LicenceCancelled | LicenceExpired
)
LicenceEvent = LicenceIssued | LicenceSealAdded | LicenceAmended | StatusChange
STATUS_CHANGES = (
    LicenceSuspended,
    LicenceReinstated,
    LicenceRevoked,
    LicenceCancelled,
    LicenceExpired,
)
LICENCE_EVENTS = (LicenceIssued, LicenceSealAdded, LicenceAmended, *STATUS_CHANGES)


class WalletProjection:
    """The handlers, holding the vault that hashes holder codes."""

    def __init__(self, vault: HolderVault) -> None:
        self.vault = vault

    def register(self, certificates: EventConsumer, disputes: EventConsumer) -> None:
        certificates.on("certificate.licence.*", self.licence_event)
        disputes.on("dispute.case.opened", self.dispute_opened)
        disputes.on("dispute.case.closed", self.dispute_closed)

    async def licence_event(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = envelope.payload()
        if not isinstance(event, LICENCE_EVENTS):
            return  # certificate.issuer.*, status lists: not about one licence
        await self._apply_facts(session, envelope, event)
        if isinstance(event, LicenceAmended):
            await self._supersede(session, envelope, event)

    async def _apply_facts(
        self, session: AsyncSession, envelope: EventEnvelope, event: LicenceEvent
    ) -> None:
        licence_id = str(event.licence_id)
        row = await session.get(WalletLicence, licence_id)
        if row is not None and envelope.time < row.event_time:
            return  # a newer event already describes this licence
        if row is None:
            row = WalletLicence(licence_id=licence_id)
            session.add(row)
        row.holder_hash = self.vault.hash(event.holder)
        row.licence_no = event.licence_no
        row.type_code = str(event.type_code)
        row.type_name = event.type_name
        row.issuer_code = str(event.issuer_code)
        row.department = event.department
        row.version = event.version
        row.status = event.status.value
        row.valid_from = event.valid_from
        row.valid_until = event.valid_until
        row.event_type = envelope.event_name
        row.event_time = envelope.time
        row.updated_at = utcnow()
        if isinstance(event, LicenceIssued):
            row.issued_at = event.issued_at
        if isinstance(event, STATUS_CHANGES):
            row.status_changed_at = event.changed_at
        row.revocation = event.revocation.value if isinstance(event, LicenceRevoked) else None
        # Seals are shown while a jointly sealed licence waits for them, and only then.
        if isinstance(event, LicenceSealAdded):
            row.seals_present = list(event.seals_present)
            row.seals_required = list(event.seals_required)
        else:
            row.seals_present = row.seals_required = None

    async def _supersede(
        self, session: AsyncSession, envelope: EventEnvelope, event: LicenceAmended
    ) -> None:
        previous = str(event.previous_licence_id)
        if await session.get(WalletSupersession, previous) is None:
            session.add(
                WalletSupersession(
                    licence_id=previous, superseded_by=str(event.licence_id), at=envelope.time
                )
            )

    async def dispute_opened(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = envelope.payload_as(DisputeOpened)
        if event.licence_id is None:
            return  # an objection about the catalogue, not a licence
        row = await session.get(LicenceObjection, event.dispute_id)
        if row is None:
            session.add(
                LicenceObjection(
                    dispute_id=event.dispute_id,
                    licence_id=event.licence_id,
                    opened_at=event.opened_at,
                )
            )
        else:  # the close arrived first
            row.licence_id, row.opened_at = row.licence_id or event.licence_id, event.opened_at

    async def dispute_closed(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        event = envelope.payload_as(DisputeClosed)
        row = await session.get(LicenceObjection, event.dispute_id)
        if row is None:
            session.add(
                LicenceObjection(
                    dispute_id=event.dispute_id,
                    licence_id=event.licence_id,
                    closed_at=event.closed_at,
                    outcome=event.outcome.value,
                )
            )
        else:
            row.closed_at, row.outcome = event.closed_at, event.outcome.value
            row.licence_id = row.licence_id or event.licence_id
