"""Periodic work: publishing changed status lists (debounced) and expiring licences by date.

Both loops are safe with several replicas: each publication takes the issuer row, each
expiry the licence row, ``FOR UPDATE``; a replica that loses a race finds nothing to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from wuzheng.issuance.context import IssuanceContext
from wuzheng.issuance.issuers.status_lists import publish_due
from wuzheng.issuance.licences.service import expire_due

logger = logging.getLogger("wuzheng.issuance.tasks")


class PeriodicTasks:
    """A web-kit resource running the status-list publisher and the expiry sweep."""

    name = "issuance-tasks"

    def __init__(self, ctx: IssuanceContext) -> None:
        self.ctx = ctx
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, app: Any = None) -> None:
        settings = self.ctx.settings
        self._tasks = [
            asyncio.create_task(
                self._every(settings.status_list_debounce_seconds, self._publish, "status lists"),
                name="issuance-status-lists",
            ),
            asyncio.create_task(
                self._every(settings.expiry_interval_seconds, self._expire, "expiry"),
                name="issuance-expiry",
            ),
        ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def check(self) -> None:
        for task in self._tasks:
            if task.done():
                raise RuntimeError(f"{task.get_name()} stopped")

    async def _publish(self) -> None:
        published = await publish_due(self.ctx)
        if published:
            logger.debug("published %d status list(s)", published)

    async def _expire(self) -> None:
        expired = await expire_due(self.ctx)
        if expired:
            logger.info("marked %d licence(s) expired", expired)

    async def _every(self, seconds: float, work: Callable[[], Awaitable[None]], what: str) -> None:
        failures = 0
        while True:
            try:
                await work()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                logger.exception("%s failed (%d in a row)", what, failures)
            await asyncio.sleep(seconds * min(failures + 1, 10))
