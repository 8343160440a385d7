"""The service kit's ``wire`` hook: keys, handlers, and the background purge."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from fastapi import FastAPI

from wuzheng.db import Database
from wuzheng.rescode.access_log.handlers import AccessLogFeed
from wuzheng.rescode.catalog_view import handlers as catalog_handlers
from wuzheng.rescode.codes import service as codes
from wuzheng.rescode.context import Rescode
from wuzheng.rescode.settings import RescodeSettings
from wuzheng.rescode.wallet.projection import WalletProjection
from wuzheng.service import ServiceRuntime

logger = logging.getLogger("wuzheng.rescode")

CATALOG_CONSUMER = "rescode-catalog"
CERTIFICATE_CONSUMER = "rescode-certificates"
DISPUTE_CONSUMER = "rescode-disputes"
VERIFICATION_CONSUMER = "rescode-verifications"


class RescodeResource:
    """Publishes the shared :class:`Rescode` on ``app.state.rescode`` and deletes expired
    codes every ``RESCODE_PURGE_INTERVAL_SECONDS``."""

    name = "rescode"

    def __init__(self, rescode: Rescode, database: Database) -> None:
        self.rescode = rescode
        self.database = database
        self._task: asyncio.Task[None] | None = None

    async def start(self, app: FastAPI) -> None:
        app.state.rescode = self.rescode
        self._task = asyncio.create_task(self._purge_loop(), name="rescode-purge")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def check(self) -> None:
        if self._task is None or self._task.done():
            raise RuntimeError("the code purge is not running")

    async def purge_once(self) -> int:
        settings = self.rescode.settings
        cutoff = self.rescode.now() - timedelta(seconds=settings.code_retention_seconds)
        async with self.database.transaction() as session:
            return await codes.purge(session, cutoff)

    async def _purge_loop(self) -> None:
        while True:
            await asyncio.sleep(self.rescode.settings.purge_interval_seconds)
            try:
                deleted = await self.purge_once()
            except Exception:
                logger.exception("purging expired codes failed; trying again later")
            else:
                if deleted:
                    logger.info("purged %d expired codes", deleted)


def wire(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, RescodeSettings)
    rescode = Rescode.from_settings(settings)
    catalog_handlers.register(runtime.consumer(CATALOG_CONSUMER))
    WalletProjection(rescode.vault).register(
        runtime.consumer(CERTIFICATE_CONSUMER), runtime.consumer(DISPUTE_CONSUMER)
    )
    AccessLogFeed(rescode.vault, runtime.outbox).register(runtime.consumer(VERIFICATION_CONSUMER))
    runtime.add_resource(RescodeResource(rescode, runtime.database))
