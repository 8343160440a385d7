"""What the dispute service tells the mesh: ``dispute.*`` payloads, through the outbox, in
the transaction that makes the change (so an event exists exactly when its change
committed)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope, EventPayload
from wuzheng.messaging import Outbox

SOURCE = "/wuzheng/dispute"


async def emit(session: AsyncSession, outbox: Outbox, payload: EventPayload, subject: str) -> None:
    await outbox.add(session, EventEnvelope.wrap(payload, source=SOURCE, subject=subject))
