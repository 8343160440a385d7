"""What the dispute service's endpoints, consumers and periodic tasks share.

One :class:`DisputeContext` per running service, created by ``wire`` and published on
``app.state.dispute`` when the app starts: the settings, the clock (frozen in tests), the
working-day calendar, the holder-code digest and the outbox.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Request

from wuzheng.contracts import HolderCode
from wuzheng.db import Database
from wuzheng.dispute.settings import DisputeSettings
from wuzheng.dispute.sla.calendar import WorkCalendar
from wuzheng.dispute.sla.clock import Clock, FrozenClock, SystemClock
from wuzheng.messaging import Outbox

if TYPE_CHECKING:
    from wuzheng.dispute.disputes.overdue import OverdueWatcher

__all__ = ["ContextDep", "DisputeContext", "get_context"]


class DisputeContext:
    name = "dispute-context"

    def __init__(
        self,
        settings: DisputeSettings,
        database: Database,
        outbox: Outbox,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.outbox = outbox
        if clock is None:
            frozen = settings.frozen_time
            clock = FrozenClock(frozen) if frozen is not None else SystemClock()
        self.clock: Clock = clock
        self.calendar = WorkCalendar.of(
            settings.holidays, settings.makeup_workdays, ZoneInfo(settings.timezone)
        )
        self._key = settings.holder_key.get_secret_value().encode()
        self.watcher: OverdueWatcher | None = None

    def holder_digest(self, holder: HolderCode | str) -> str:
        """HMAC-SHA256 of the canonical holder code: how holders are stored and matched."""
        return hmac.new(self._key, str(HolderCode(holder)).encode(), hashlib.sha256).hexdigest()

    # -- resource: publishes itself for the endpoints ---------------------------------

    async def start(self, app: FastAPI) -> None:
        app.state.dispute = self

    async def stop(self) -> None:
        return None

    async def check(self) -> None:
        return None


def get_context(request: Request) -> DisputeContext:
    context = getattr(request.app.state, "dispute", None)
    assert isinstance(context, DisputeContext), "the dispute context is not started"
    return context


ContextDep = Annotated[DisputeContext, Depends(get_context)]
