"""Helpers for tests of the catalog (its own, and end-to-end tests that watch its events)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from wuzheng.contracts import EventEnvelope
from wuzheng.messaging import outbox_table
from wuzheng.messaging.testing import wait_until
from wuzheng.service import ServiceRuntime

WRITE_SCOPE = "catalog:write"


async def outbox_envelopes(runtime: ServiceRuntime) -> list[EventEnvelope]:
    """Every event the service wrote to its outbox, in the order written."""
    async with runtime.database.sessionmaker() as session:
        rows = await session.scalars(
            sa.select(outbox_table.c.payload).order_by(outbox_table.c.created_at, outbox_table.c.id)
        )
        return [EventEnvelope.from_bytes(raw) for raw in rows]


async def outbox_unsent(runtime: ServiceRuntime) -> int:
    """Outbox rows not yet published."""
    async with runtime.database.sessionmaker() as session:
        count = await session.scalar(
            sa.select(sa.func.count())
            .select_from(outbox_table)
            .where(outbox_table.c.status != "sent")
        )
    return int(count or 0)


async def wait_outbox_drained(runtime: ServiceRuntime, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    async def drained() -> bool:
        return await outbox_unsent(runtime) == 0

    await wait_until(drained, timeout=timeout, message="outbox drained")


class EventTap:
    """Collects every ``catalog.*`` event published on NATS in the runtime's namespace."""

    def __init__(self) -> None:
        self.envelopes: list[EventEnvelope] = []
        self._subscription: Subscription | None = None

    async def open(self, runtime: ServiceRuntime) -> None:
        self._subscription = await runtime.nats.nc.subscribe(
            runtime.subject("catalog.>"), cb=self._on_message
        )

    async def close(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
            self._subscription = None

    async def _on_message(self, msg: Msg) -> None:
        self.envelopes.append(EventEnvelope.from_bytes(msg.data))

    def of_type(self, name: str) -> list[EventEnvelope]:
        return [e for e in self.envelopes if e.event_name == name]

    async def wait_for(
        self,
        name: str,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[Any]:
        """The payloads of the first ``count`` events of type ``name`` once they arrived."""
        await wait_until(
            lambda: len(self.of_type(name)) >= count,
            timeout=timeout,
            message=f"{count} × {name} published",
        )
        return [e.payload() for e in self.of_type(name)]
