"""The overdue detector: a periodic task that escalates every breached SLA clock once."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from wuzheng.dispute.context import DisputeContext
from wuzheng.dispute.disputes.service import escalate_overdue

logger = logging.getLogger("wuzheng.dispute.overdue")


class OverdueWatcher:
    """Runs :func:`escalate_overdue` every ``interval`` seconds
    (``DISPUTE_OVERDUE_CHECK_SECONDS``)."""

    name = "dispute-overdue"

    def __init__(self, context: DisputeContext, interval: float) -> None:
        self.context = context
        self.interval = interval
        self.runs = 0
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> list[tuple[str, str]]:
        """One check, in its own transaction, at the service clock's now."""
        async with self.context.database.transaction() as session:
            escalated = await escalate_overdue(session, self.context, self.context.clock.now())
        self.runs += 1
        return escalated

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                logger.exception("overdue check failed; trying again in %.0fs", self.interval)
            await asyncio.sleep(self.interval)

    async def start(self, app: FastAPI) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def check(self) -> None:
        if self._task is None or self._task.done():
            raise RuntimeError("the overdue detector is not running")
