"""Durable pull consumers whose effects are recorded in the same transaction as the inbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy.exc
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope
from wuzheng.contracts.tracing import TraceContext, reset_trace, set_trace
from wuzheng.db import Database, insert_ignore, utcnow
from wuzheng.messaging._connection import NatsConnection
from wuzheng.messaging._errors import PoisonMessage, TopologyError, TransientError
from wuzheng.messaging._tables import dead_letter_table, inbox_table
from wuzheng.messaging._telemetry import failed, messaging_attributes, traced
from wuzheng.messaging._topology import ConsumerSpec, Topology

logger = logging.getLogger("wuzheng.messaging.consumer")

EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]

# Failures worth a retry without counting as the message's fault.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    ConnectionError,
    TimeoutError,
)


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching: ``*`` is one token, a trailing ``>`` one or more."""
    wanted, given = pattern.split("."), subject.split(".")
    for index, part in enumerate(wanted):
        if part == ">":
            return len(given) > index
        if index >= len(given) or (part not in ("*", given[index])):
            return False
    return len(given) == len(wanted)


@dataclass
class ConsumerStats:
    """Counters since start, for /metrics (``redelivered``: messages that arrived again,
    after a nak, an ack timeout or a crash — JetStream's ``num_delivered`` > 1)."""

    processed: int = 0
    duplicates: int = 0
    ignored: int = 0
    retried: int = 0
    dead_lettered: int = 0
    redelivered: int = 0


class EventConsumer:
    """A web-kit resource running one durable pull consumer (a :class:`ConsumerSpec`).

    Register handlers before ``start``::

        consumer = EventConsumer(database, nats, ConsumerSpec("CERTIFICATE", "verification",
                                 ("certificate.>",)), topology=topology)

        @consumer.on("certificate.licence.issued")
        async def issued(session: AsyncSession, envelope: EventEnvelope) -> None: ...

    A pattern is an event name (``<domain>.<entity>.<verb>``, any version), a full
    CloudEvents type (one version), or a NATS wildcard over event names
    (``certificate.licence.*``, ``certificate.>``). Events no handler matches are acked and
    ignored.

    For each message: decode the envelope, restore its trace context, then in one database
    transaction insert ``(consumer, event id)`` into the inbox and — only if it was not
    there — run the handler; commit, then ack. A :class:`TransientError` (or a database or
    connection error) naks with the spec's backoff delay; a :class:`PoisonMessage` or an
    undecodable payload is terminated at once and recorded in ``dead_letter``; any other
    exception is retried like a transient one until ``max_deliver`` attempts, then
    dead-lettered too.
    """

    def __init__(
        self,
        database: Database,
        nats: NatsConnection,
        spec: ConsumerSpec,
        *,
        topology: Topology | None = None,
        batch: int = 20,
        fetch_timeout: float = 2.0,
        drain_timeout: float = 15.0,
        ack_timeout: float = 2.0,
    ) -> None:
        self.database = database
        self.nats = nats
        self.spec = spec
        self.resolved = topology.consumer(spec) if topology is not None else spec
        self.batch = batch
        self.fetch_timeout = fetch_timeout
        self.drain_timeout = drain_timeout
        self.ack_timeout = ack_timeout
        self.name = f"consumer:{spec.durable}"
        self.stats = ConsumerStats()
        self._handlers: list[tuple[str, EventHandler]] = []
        self._sub: JetStreamContext.PullSubscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # -- registration -----------------------------------------------------------------

    def on(
        self, pattern: str, handler: EventHandler | None = None
    ) -> Callable[[EventHandler], EventHandler]:
        """Route events matching ``pattern`` to ``handler`` (also usable as a decorator)."""

        def register(function: EventHandler) -> EventHandler:
            self._handlers.append((pattern, function))
            return function

        if handler is not None:
            register(handler)
        return register

    def handler_for(self, envelope: EventEnvelope) -> EventHandler | None:
        name = envelope.event_name
        for pattern, handler in self._handlers:
            if pattern in (envelope.type, name):
                return handler
        for pattern, handler in self._handlers:
            if ("*" in pattern or ">" in pattern) and subject_matches(pattern, name):
                return handler
        return None

    # -- resource ---------------------------------------------------------------------

    async def start(self, app: Any = None) -> None:
        if self._task is not None:
            return
        js = self.nats.js
        try:
            await js.consumer_info(self.resolved.stream, self.resolved.durable)
        except NotFoundError as exc:
            raise TopologyError(
                f"no consumer {self.resolved.durable} on stream {self.resolved.stream}: "
                "apply the topology (with this ConsumerSpec) before starting consumers"
            ) from exc
        self._sub = await js.pull_subscribe_bind(
            durable=self.resolved.durable, stream=self.resolved.stream
        )
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Finish the current fetch and batch (acks confirmed with ``ack_sync``), then stop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        try:
            await asyncio.wait_for(asyncio.shield(task), self.drain_timeout)
        except TimeoutError:
            logger.warning("%s did not drain in %ss; cancelling", self.name, self.drain_timeout)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None

    async def check(self) -> None:
        if self._task is None or self._task.done():
            raise RuntimeError(f"{self.name} is not running")

    # -- the loop ---------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._sub is not None
        failures = 0
        while not self._stopping:
            try:
                messages = await self._sub.fetch(self.batch, timeout=self.fetch_timeout)
            except TimeoutError:  # nats-py raises its own subclass or the builtin
                failures = 0
                continue  # nothing to do: fetch raises when the consumer is empty
            except Exception as exc:
                failures += 1
                delay = min(5.0, 0.1 * 2.0**failures)
                logger.warning("%s: fetch failed (%r); retrying in %.1fs", self.name, exc, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            for message in messages:
                try:
                    await self.handle(message)
                except Exception:
                    # Answering the server failed (connection lost): the message is
                    # redelivered after ack_wait and the inbox recognises it.
                    logger.exception("%s: cannot answer message %s", self.name, message.subject)

    async def handle(self, msg: Msg) -> None:
        """Process one delivered message end to end (public for tests and tools)."""
        attempt = msg.metadata.num_delivered or 1
        if attempt > 1:
            self.stats.redelivered += 1
        try:
            envelope = EventEnvelope.from_bytes(msg.data)
        except (ValidationError, ValueError, UnicodeDecodeError) as exc:
            await self._dead_letter(msg, None, f"undecodable envelope: {exc}", attempt)
            return
        handler = self.handler_for(envelope)
        if handler is None:
            logger.debug("%s: no handler for %s; ignored", self.name, envelope.type)
            self.stats.ignored += 1
            await self._ack(msg)
            return
        context = TraceContext.parse(
            (msg.headers or {}).get("traceparent") or envelope.traceparent,
            (msg.headers or {}).get("tracestate") or envelope.tracestate,
        )

        def attributes() -> Mapping[str, AttributeValue]:
            return messaging_attributes(
                "process",
                msg.subject,
                {
                    "messaging.message.id": envelope.id,
                    "messaging.consumer.group.name": self.spec.durable,
                    "messaging.nats.delivery_count": attempt,
                    "cloudevents.event_type": envelope.type,
                },
            )

        with traced(f"process {envelope.event_name}", context, SpanKind.CONSUMER, attributes) as (
            trace,
            span,
        ):
            error: Exception | None = None
            token = set_trace(trace)
            try:
                applied = await self._apply(envelope, handler)
            except Exception as exc:
                error = exc
            finally:
                reset_trace(token)
            if error is not None:
                failed(span, error)
                if isinstance(error, PoisonMessage):
                    await self._dead_letter(msg, envelope.id, _describe(error), attempt)
                else:
                    await self._retry_or_give_up(msg, envelope, error, attempt)
                return
        if applied:
            self.stats.processed += 1
        else:
            self.stats.duplicates += 1
            logger.debug("%s: event %s already applied; skipped", self.name, envelope.id)
        await self._ack(msg)

    async def _apply(self, envelope: EventEnvelope, handler: EventHandler) -> bool:
        async with self.database.transaction() as session:
            fresh = await insert_ignore(
                session,
                inbox_table,
                {"consumer": self.spec.durable, "event_id": envelope.id, "received_at": utcnow()},
                conflict_columns=["consumer", "event_id"],
            )
            if fresh:
                await handler(session, envelope)
        return fresh

    async def _retry_or_give_up(
        self, msg: Msg, envelope: EventEnvelope, exc: Exception, attempt: int
    ) -> None:
        if attempt >= self.spec.max_deliver:
            await self._dead_letter(msg, envelope.id, _describe(exc), attempt)
            return
        delay = self.spec.nak_delay(attempt)
        if isinstance(exc, TRANSIENT_ERRORS):
            logger.warning(
                "%s: event %s (%s) attempt %d: %s; retry in %.1fs",
                self.name,
                envelope.id,
                envelope.type,
                attempt,
                _describe(exc),
                delay,
            )
        else:
            logger.error(
                "%s: event %s (%s) attempt %d failed; retry in %.1fs",
                self.name,
                envelope.id,
                envelope.type,
                attempt,
                delay,
                exc_info=exc,
            )
        self.stats.retried += 1
        await msg.nak(delay=delay)

    async def _dead_letter(self, msg: Msg, event_id: str | None, error: str, attempt: int) -> None:
        try:
            async with self.database.transaction() as session:
                await session.execute(
                    dead_letter_table.insert().values(
                        consumer=self.spec.durable,
                        subject=msg.subject,
                        event_id=event_id,
                        payload=msg.data,
                        headers=dict(msg.headers or {}),
                        error=error[:4000],
                        attempts=attempt,
                        recorded_at=utcnow(),
                    )
                )
        except Exception:
            # Not recorded: keep the message alive rather than lose it.
            logger.exception("%s: cannot record dead letter for %s", self.name, msg.subject)
            await msg.nak(delay=self.spec.nak_delay(attempt))
            return
        self.stats.dead_lettered += 1
        logger.error(
            "%s: dead letter %s on %s after %d attempt(s): %s",
            self.name,
            event_id,
            msg.subject,
            attempt,
            error,
        )
        await msg.term()

    async def _ack(self, msg: Msg) -> None:
        if self._stopping:
            await msg.ack_sync(timeout=self.ack_timeout)
        else:
            await msg.ack()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
