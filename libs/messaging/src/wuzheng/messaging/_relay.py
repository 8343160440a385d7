"""The relay: publishes committed outbox rows to JetStream, at least once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from opentelemetry.trace import Span, SpanKind
from sqlalchemy.orm import Session

from wuzheng.contracts.tracing import TraceContext
from wuzheng.db import Database, utcnow
from wuzheng.messaging._connection import NatsConnection
from wuzheng.messaging._outbox import Backlog, outbox_backlog, outbox_written
from wuzheng.messaging._tables import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENT, outbox_table
from wuzheng.messaging._telemetry import failed, messaging_attributes, start_span

logger = logging.getLogger("wuzheng.messaging.relay")

_CLAIMED = (
    outbox_table.c.id,
    outbox_table.c.subject,
    outbox_table.c.payload,
    outbox_table.c.headers,
    outbox_table.c.attempts,
    outbox_table.c.created_at,
)
_NEXT_DUE = sa.select(sa.func.min(outbox_table.c.next_attempt_at)).where(
    outbox_table.c.status == OUTBOX_PENDING
)


@dataclass(frozen=True)
class OutboxRow:
    id: str
    subject: str
    payload: bytes
    headers: dict[str, str]
    attempts: int


@dataclass
class Outcome:
    row: OutboxRow
    error: BaseException | None = None
    span: Span | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RelayStats:
    """Counters since start, for /metrics."""

    published: int = 0
    failed_attempts: int = 0
    marked_failed: int = 0
    batches: int = 0
    wakeups: int = 0
    last_error: str | None = field(default=None)


class OutboxRelay:
    """A web-kit resource publishing the outbox to JetStream in the background.

    It wakes the moment a transaction that wrote an outbox row commits, when NATS comes
    back after an outage, and every ``poll_interval`` seconds as a safety net (rows written
    by another process). Each cycle claims up to ``batch_size`` due rows, commits, publishes
    them in row order with ``Nats-Msg-Id`` = event id (no database lock is held while
    waiting on NATS), then marks them sent. A publish that fails is retried after an
    exponential backoff with jitter (``backoff_base`` · 2^attempt, at most ``backoff_cap``);
    after ``max_attempts`` the row is marked ``failed`` with its last error and kept.

    On PostgreSQL the claim is ``FOR UPDATE SKIP LOCKED`` and pushes the rows'
    ``next_attempt_at`` forward by ``lease`` seconds, so several replicas can relay side
    by side and a relay that dies mid-batch leaves its rows to the others after the lease.
    SQLite has one writer and runs one relay per database: the claim is a plain select.
    """

    name = "outbox-relay"

    def __init__(
        self,
        database: Database,
        nats: NatsConnection,
        *,
        poll_interval: float = 5.0,
        batch_size: int = 100,
        max_attempts: int = 20,
        backoff_base: float = 0.5,
        backoff_cap: float = 300.0,
        lease: float = 30.0,
        publish_timeout: float = 5.0,
    ) -> None:
        self.database = database
        self.nats = nats
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.lease = lease
        self.publish_timeout = publish_timeout
        self.stats = RelayStats()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._hooked = False

    # -- waking -----------------------------------------------------------------------

    def wake(self) -> None:
        """Run a cycle now (safe to call from the event loop's thread only)."""
        self._wake.set()

    def _after_commit(self, session: Session) -> None:
        if outbox_written(session):
            self.stats.wakeups += 1
            self._wake.set()

    # -- resource ---------------------------------------------------------------------

    async def start(self, app: Any = None) -> None:
        if self._task is not None:
            return
        if not self._hooked:
            self.database.add_after_commit_hook(self._after_commit)
            self.nats.on_reconnect(self.wake)
            self._hooked = True
        self._stopping = False
        self._wake.set()  # rows left from before the start
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, grace: float = 5.0) -> None:
        """Let the current cycle finish (up to ``grace`` seconds), then stop.

        A cycle cut short is harmless: its rows stay pending and are published again,
        and JetStream and the consumers' inboxes drop the copies.
        """
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def check(self) -> None:
        if self._task is None or self._task.done():
            raise RuntimeError("the outbox relay is not running")

    async def backlog(self) -> Backlog:
        return await outbox_backlog(self.database)

    # -- the loop ---------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                handled = await self.relay_once()
            except Exception as exc:
                logger.exception("outbox relay cycle failed")
                self.stats.last_error = repr(exc)
                handled = 0
                await asyncio.sleep(min(self.poll_interval, 1.0))
            if handled >= self.batch_size or self._stopping:
                continue  # more are probably due, or we are asked to stop
            try:
                timeout = await self._until_next_due()
            except Exception:
                logger.exception("outbox relay cannot read the next due time")
                timeout = self.poll_interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _until_next_due(self) -> float:
        async with self.database.autocommit() as connection:
            due = await connection.scalar(_NEXT_DUE)
        if due is None:
            return self.poll_interval
        assert isinstance(due, datetime)
        seconds = (due - utcnow()).total_seconds()
        return min(self.poll_interval, max(0.0, seconds))

    async def relay_once(self) -> int:
        """One cycle: claim, publish, record. Returns how many rows it claimed."""
        if not self.nats.is_connected:
            return 0  # the reconnect listener wakes us; failures here would not be the rows'
        rows = await self._claim()
        if not rows:
            return 0
        self.stats.batches += 1
        outcomes = await self._publish(rows)
        await self._record(outcomes)
        return len(rows)

    async def _claim(self) -> list[OutboxRow]:
        """The due rows, oldest first. On PostgreSQL one statement both picks them
        (``SKIP LOCKED``: rows another replica is claiming are left to it) and leases them;
        on its own it is its own transaction, so the claim costs one round trip."""
        now = utcnow()
        due = (
            sa.select(*_CLAIMED)
            .where(
                outbox_table.c.status == OUTBOX_PENDING,
                outbox_table.c.next_attempt_at <= now,
            )
            .order_by(outbox_table.c.created_at, outbox_table.c.id)
            .limit(self.batch_size)
        )
        async with self.database.autocommit() as connection:
            if self.database.is_sqlite:
                result = list((await connection.execute(due)).all())
            else:
                picked = due.with_only_columns(outbox_table.c.id).with_for_update(skip_locked=True)
                lease = (
                    sa.update(outbox_table)
                    .where(outbox_table.c.id.in_(picked.scalar_subquery()))
                    .values(next_attempt_at=now + timedelta(seconds=self.lease))
                    .returning(*_CLAIMED)
                )
                result = sorted(
                    (await connection.execute(lease)).all(), key=lambda r: (r.created_at, r.id)
                )
        return [
            OutboxRow(
                id=row.id,
                subject=row.subject,
                payload=bytes(row.payload),
                headers=dict(row.headers or {}),
                attempts=row.attempts,
            )
            for row in result
        ]

    async def _publish(self, rows: Sequence[OutboxRow]) -> list[Outcome]:
        """Publish in row order, pipelined: all are sent, then every ack is awaited."""
        js = self.nats.js
        outcomes = [Outcome(row) for row in rows]
        pending: dict[asyncio.Future[Any], Outcome] = {}
        for outcome in outcomes:
            headers = self._headers(outcome)
            try:
                future = await js.publish_async(
                    outcome.row.subject, outcome.row.payload, headers=headers
                )
            except Exception as exc:
                outcome.error = exc
                continue
            pending[future] = outcome
        if pending:
            done, not_done = await asyncio.wait(pending, timeout=self.publish_timeout)
            for future in not_done:
                future.cancel()
                pending[future].error = TimeoutError(
                    f"no JetStream ack within {self.publish_timeout}s"
                )
            for future in done:
                if future.cancelled():
                    pending[future].error = TimeoutError("publish cancelled")
                else:
                    pending[future].error = future.exception()
        for outcome in outcomes:
            if outcome.span is not None:
                if outcome.error is not None:
                    failed(outcome.span, outcome.error)
                outcome.span.end()
        return outcomes

    @staticmethod
    def _headers(outcome: Outcome) -> dict[str, str]:
        """The row's headers with ``Nats-Msg-Id``; when tracing, a PRODUCER span is started
        under the context the event was written in, and consumers get the span's context."""
        row = outcome.row
        headers = {**row.headers, "Nats-Msg-Id": row.id}
        written_in = TraceContext.parse(headers.get("traceparent"), headers.get("tracestate"))
        if written_in is None:
            return headers
        context, outcome.span = start_span(
            f"publish {row.subject}",
            written_in,
            SpanKind.PRODUCER,
            lambda: messaging_attributes(
                "publish",
                row.subject,
                {"messaging.message.id": row.id, "wuzheng.outbox.attempt": row.attempts + 1},
            ),
        )
        if outcome.span is not None:
            headers.update(context.headers())
        return headers

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt ``attempts + 1``: exponential, capped, with jitter."""
        delay = min(self.backoff_cap, self.backoff_base * 2.0 ** max(0, attempts - 1))
        return delay * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not a secret

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        """Mark what was published as sent; push back or fail what was not."""
        now = utcnow()
        sent = [o.row.id for o in outcomes if o.ok]
        mark_sent = (
            sa.update(outbox_table)
            .where(outbox_table.c.id.in_(sent))
            .values(
                status=OUTBOX_SENT,
                sent_at=now,
                attempts=outbox_table.c.attempts + 1,
                last_error=None,
            )
        )
        if len(sent) == len(outcomes):  # the usual cycle: one statement, its own transaction
            async with self.database.autocommit() as connection:
                await connection.execute(mark_sent)
            self.stats.published += len(sent)
            return
        outage = not self.nats.is_connected
        async with self.database.transaction() as session:
            if sent:
                await session.execute(mark_sent)
            for outcome in outcomes:
                if outcome.ok:
                    continue
                error = f"{type(outcome.error).__name__}: {outcome.error}"[:2000]
                if outage:
                    # NATS went away mid-batch: not the row's fault, retry once it is back.
                    values: dict[str, Any] = {"next_attempt_at": now, "last_error": error}
                else:
                    attempts = outcome.row.attempts + 1
                    values = {"attempts": attempts, "last_error": error}
                    if attempts >= self.max_attempts:
                        values["status"] = OUTBOX_FAILED
                        self.stats.marked_failed += 1
                        logger.error(
                            "outbox event %s to %s failed %d times, giving up: %s",
                            outcome.row.id,
                            outcome.row.subject,
                            attempts,
                            error,
                        )
                    else:
                        values["next_attempt_at"] = now + timedelta(seconds=self.backoff(attempts))
                        logger.warning(
                            "outbox event %s to %s: attempt %d failed: %s",
                            outcome.row.id,
                            outcome.row.subject,
                            attempts,
                            error,
                        )
                    self.stats.failed_attempts += 1
                self.stats.last_error = error
                await session.execute(
                    sa.update(outbox_table)
                    .where(outbox_table.c.id == outcome.row.id)
                    .values(values)
                )
        self.stats.published += len(sent)
