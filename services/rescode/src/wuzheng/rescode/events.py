"""What rescode tells the mesh: ``rescode.*`` and ``consent.*`` events, via the outbox in
the transaction of the change they announce."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope, EventPayload
from wuzheng.messaging import Outbox

SOURCE = "/wuzheng/rescode"


async def emit(session: AsyncSession, outbox: Outbox, *events: tuple[EventPayload, str]) -> None:
    """Stage ``(payload, subject)`` pairs in the session's transaction."""
    await outbox.add_many(
        session,
        [
            EventEnvelope.wrap(payload, source=SOURCE, subject=subject)
            for payload, subject in events
        ],
    )
