from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import Gauge

from wuzheng.messaging import outbox_backlog
from wuzheng.service._definition import ServiceRuntime

# Defined once per process; the service label keeps several apps in one test process apart.
OUTBOX_BACKLOG = Gauge(
    "wuzheng_outbox_backlog",
    "Outbox rows not yet published, by status (pending rows wait; failed rows gave up)",
    ["service", "status"],
)


def outbox_backlog_hook(runtime: ServiceRuntime) -> Callable[[], Awaitable[None]]:
    async def refresh() -> None:
        backlog = await outbox_backlog(runtime.database)
        name = runtime.definition.name
        OUTBOX_BACKLOG.labels(name, "pending").set(backlog.pending)
        OUTBOX_BACKLOG.labels(name, "failed").set(backlog.failed)

    return refresh
