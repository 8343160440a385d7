"""What every service exposes on ``/metrics`` about its event path.

Gauges refreshed just before each scrape (a metrics hook):

- ``wuzheng_outbox_backlog{service,status}``: outbox rows not yet published (``pending``
  wait, ``failed`` gave up);
- ``wuzheng_outbox_oldest_pending_seconds{service}``: age of the oldest pending row;
- ``wuzheng_dead_letters_unreplayed{service}``: dead letters not yet replayed;
- ``wuzheng_consumer_pending{service,consumer}``: consumer lag — messages in the stream the
  durable consumer has not been delivered yet (JetStream's ``num_pending``);
- ``wuzheng_consumer_ack_pending{service,consumer}``: delivered, not yet acknowledged;
- ``wuzheng_consumer_redelivered{service,consumer}``: delivered more than once and still
  unacknowledged (JetStream's ``num_redelivered``).

Counters since the process started, read from the relay's and consumers' own statistics at
scrape time (a collector, so nothing is counted twice):

- ``wuzheng_outbox_published_total{service}``, ``wuzheng_outbox_publish_failures_total{service}``
  (failed publish attempts, each retried with backoff) and
  ``wuzheng_outbox_gave_up_total{service}`` (rows marked failed after the last attempt);
- ``wuzheng_events_consumed_total{service,consumer,result}`` with result ``processed``,
  ``duplicate``, ``ignored``, ``retried`` or ``dead_lettered``;
- ``wuzheng_consumer_redeliveries_total{service,consumer}``: deliveries after the first;
- ``wuzheng_dead_letters_total{service,consumer}``: messages dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Final

from prometheus_client import REGISTRY, Gauge
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from wuzheng.db import utcnow
from wuzheng.messaging import outbox_backlog
from wuzheng.service._definition import ServiceRuntime

logger = logging.getLogger("wuzheng.service.metrics")

# Defined once per process; the service label keeps several apps in one test process apart.
OUTBOX_BACKLOG: Final = Gauge(
    "wuzheng_outbox_backlog",
    "Outbox rows not yet published, by status (pending rows wait; failed rows gave up)",
    ["service", "status"],
)
OUTBOX_OLDEST_PENDING: Final = Gauge(
    "wuzheng_outbox_oldest_pending_seconds",
    "Age of the oldest outbox row still waiting to be published (0 when none waits)",
    ["service"],
)
DEAD_LETTERS: Final = Gauge(
    "wuzheng_dead_letters_unreplayed",
    "Dead letters recorded by the service's consumers and not yet replayed",
    ["service"],
)
CONSUMER_PENDING: Final = Gauge(
    "wuzheng_consumer_pending",
    "Consumer lag: messages in the stream not yet delivered to the durable consumer",
    ["service", "consumer"],
)
CONSUMER_ACK_PENDING: Final = Gauge(
    "wuzheng_consumer_ack_pending",
    "Messages delivered to the consumer and not yet acknowledged",
    ["service", "consumer"],
)
CONSUMER_REDELIVERED: Final = Gauge(
    "wuzheng_consumer_redelivered",
    "Messages delivered more than once and still unacknowledged",
    ["service", "consumer"],
)

CONSUMER_INFO_TIMEOUT: Final = 2.0

MetricsHook = Callable[[], Awaitable[None]]


def outbox_backlog_hook(runtime: ServiceRuntime) -> MetricsHook:
    async def refresh() -> None:
        backlog = await outbox_backlog(runtime.database)
        name = runtime.definition.name
        OUTBOX_BACKLOG.labels(name, "pending").set(backlog.pending)
        OUTBOX_BACKLOG.labels(name, "failed").set(backlog.failed)
        DEAD_LETTERS.labels(name).set(backlog.dead_letters)
        oldest = backlog.oldest_pending_at
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        OUTBOX_OLDEST_PENDING.labels(name).set(max(0.0, age))

    return refresh


def consumer_lag_hook(runtime: ServiceRuntime) -> MetricsHook:
    """Reads each durable consumer's info from JetStream. When NATS does not answer the
    gauges keep their last value (the scrape still succeeds; readiness reports NATS)."""

    async def refresh() -> None:
        if not runtime.nats.is_connected:
            return
        name = runtime.definition.name
        for durable, consumer in runtime.consumers.items():
            resolved = consumer.resolved
            try:
                async with asyncio.timeout(CONSUMER_INFO_TIMEOUT):
                    info = await runtime.nats.js.consumer_info(resolved.stream, resolved.durable)
            except Exception as exc:
                logger.warning("cannot read consumer %s for /metrics: %r", durable, exc)
                continue
            CONSUMER_PENDING.labels(name, durable).set(info.num_pending or 0)
            CONSUMER_ACK_PENDING.labels(name, durable).set(info.num_ack_pending or 0)
            CONSUMER_REDELIVERED.labels(name, durable).set(info.num_redelivered or 0)

    return refresh


class EventPathCollector(Collector):
    """Counters of the running services' relays and consumers, read at scrape time.

    Runtimes register while they run (the kit does it on start and stop); two runtimes of
    the same service in one process (tests) are added up.
    """

    def __init__(self) -> None:
        self._runtimes: dict[int, ServiceRuntime] = {}

    def register(self, runtime: ServiceRuntime) -> None:
        self._runtimes[id(runtime)] = runtime

    def unregister(self, runtime: ServiceRuntime) -> None:
        self._runtimes.pop(id(runtime), None)

    def describe(self) -> Iterator[Metric]:
        # Known names without reading live state, so registration cannot clash later.
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        yield from self._families(list(self._runtimes.values()))

    @staticmethod
    def _families(runtimes: list[ServiceRuntime] | None = None) -> Iterator[Metric]:
        published = CounterMetricFamily(
            "wuzheng_outbox_published",
            "Outbox events published to JetStream and acknowledged",
            labels=["service"],
        )
        failures = CounterMetricFamily(
            "wuzheng_outbox_publish_failures",
            "Failed attempts to publish an outbox event (each is retried with backoff)",
            labels=["service"],
        )
        gave_up = CounterMetricFamily(
            "wuzheng_outbox_gave_up",
            "Outbox events marked failed after their last attempt (operator action needed)",
            labels=["service"],
        )
        consumed = CounterMetricFamily(
            "wuzheng_events_consumed",
            "Events a consumer handled, by result",
            labels=["service", "consumer", "result"],
        )
        redeliveries = CounterMetricFamily(
            "wuzheng_consumer_redeliveries",
            "Deliveries of a message after its first (after a nak, an ack timeout, a crash)",
            labels=["service", "consumer"],
        )
        dead = CounterMetricFamily(
            "wuzheng_dead_letters",
            "Messages a consumer dead-lettered",
            labels=["service", "consumer"],
        )
        totals: dict[tuple[str, tuple[str, ...]], float] = {}

        def add(family: CounterMetricFamily, labels: tuple[str, ...], value: float) -> None:
            totals[family.name, labels] = totals.get((family.name, labels), 0.0) + value

        for runtime in runtimes or ():
            service = runtime.definition.name
            stats = runtime.relay.stats
            add(published, (service,), stats.published)
            add(failures, (service,), stats.failed_attempts)
            add(gave_up, (service,), stats.marked_failed)
            for durable, consumer in runtime.consumers.items():
                counts = consumer.stats
                for result, count in (
                    ("processed", counts.processed),
                    ("duplicate", counts.duplicates),
                    ("ignored", counts.ignored),
                    ("retried", counts.retried),
                    ("dead_lettered", counts.dead_lettered),
                ):
                    add(consumed, (service, durable, result), count)
                add(redeliveries, (service, durable), counts.redelivered)
                add(dead, (service, durable), counts.dead_lettered)
        families = (published, failures, gave_up, consumed, redeliveries, dead)
        by_name = {family.name: family for family in families}
        for (name, labels), value in totals.items():
            by_name[name].add_metric(list(labels), value)
        yield from families


EVENT_PATH: Final = EventPathCollector()
REGISTRY.register(EVENT_PATH)
