"""Appending to the access record: one writer per replica, group commit, one chain.

A request hands its :class:`AccessEntry` to :meth:`AccessLog.append` and waits until the
record is committed (it answers only then, so no answer goes out unrecorded). One writer
task takes every entry waiting at that moment (up to ``batch_max``) and, in one transaction:

1. ``UPDATE access_chain_head SET seq = seq + n … RETURNING seq, hash`` — the row lock (a
   write lock on SQLite) serialises appenders of every replica until commit, and gives the
   tip to continue from;
2. numbers and hashes the records after that tip, inserts them and their usage rows;
3. moves the head to the last record and writes one ``verification.request.completed``
   event per record through the outbox.

So the chain stays linear however many requests (and replicas) append at once, and one
commit carries as many records as arrived while the previous one was being written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.exc

from wuzheng.contracts import EventEnvelope, TraceContext, new_event_id
from wuzheng.contracts.events.verification import AccessKind, VerificationCompleted
from wuzheng.contracts.problems import ServiceUnavailable
from wuzheng.contracts.tracing import current_or_new_trace
from wuzheng.db import Database, utcnow
from wuzheng.messaging import Outbox
from wuzheng.service.metrics import VERIFICATION_RESULTS, domain_counter
from wuzheng.verification.audit.chain import (
    AccessEntry,
    Recorded,
    canonical_detail,
    record_hash,
)
from wuzheng.verification.audit.models import AccessChainHead, AccessRecord, AccessUsage
from wuzheng.verification.holders import HolderHasher

logger = logging.getLogger("wuzheng.verification.audit")
RESULTS = domain_counter(VERIFICATION_RESULTS)


def count_result(entry: AccessEntry) -> None:
    """Count a recorded verification for the dashboard (evidence requests are not counted).

    The status label is the outcome without its refused:/failed: prefix, so its values stay
    few (valid, revoked, …, issuer_unavailable, forbidden …)."""
    if entry.kind is not AccessKind.VERIFICATION:
        return
    status = entry.result.split(":", 1)[-1]
    mode = entry.mode.value if entry.mode is not None else "none"
    RESULTS.labels(issuer=entry.issuer_code or "unknown", status=status, mode=mode).inc()


_records = cast(sa.Table, AccessRecord.__table__)
_head = cast(sa.Table, AccessChainHead.__table__)
_usages = cast(sa.Table, AccessUsage.__table__)
_ATTEMPTS = 5


@dataclass
class _Pending:
    entry: AccessEntry
    record_id: str
    trace: TraceContext
    future: asyncio.Future[Recorded]


@dataclass
class _Built:
    records: list[dict[str, Any]] = field(default_factory=list)
    usages: list[dict[str, Any]] = field(default_factory=list)
    envelopes: list[EventEnvelope] = field(default_factory=list)
    recorded: list[Recorded] = field(default_factory=list)
    last_hash: str = ""


class AccessLogUnavailable(ServiceUnavailable):
    """The access log is not running: nothing is answered unrecorded (503)."""

    slug = "access-log-unavailable"
    title = "Access log unavailable"


class AccessLog:
    """A web-kit resource: the writer task runs between ``start`` and ``stop``."""

    name = "access-log"

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        hasher: HolderHasher,
        *,
        source: str,
        timezone: str,
        batch_max: int = 256,
        linger: float = 0.0,
    ) -> None:
        self.database = database
        self.outbox = outbox
        self.hasher = hasher
        self.source = source
        self.zone = ZoneInfo(timezone)
        self.batch_max = batch_max
        self.linger = linger
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._tip: tuple[int, str] | None = None  # (seq, hash) of this writer's last commit
        self.batches = 0
        self.records = 0

    async def start(self, app: Any = None) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="access-log-writer")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._queue.put_nowait(None)  # after every entry already queued
        try:
            await asyncio.wait_for(task, timeout=15)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def check(self) -> None:
        if self._task is None or self._task.done():
            raise AccessLogUnavailable("the access log writer is not running")

    async def append(self, entry: AccessEntry) -> Recorded:
        """Record ``entry``; returns once it is committed (raises if it could not be)."""
        if self._task is None or self._task.done():
            raise AccessLogUnavailable("the access log writer is not running")
        future: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        pending = _Pending(entry, new_event_id(), current_or_new_trace(), future)
        self._queue.put_nowait(pending)
        # A cancelled request does not cancel the record: it is written all the same.
        recorded = await asyncio.shield(future)
        count_result(entry)
        return recorded

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            batch = [first]
            if self.linger > 0 and self._queue.empty():
                # Let the requests already under way join this commit: a little latency
                # for far fewer transactions (and outbox relay cycles) under load.
                await asyncio.sleep(self.linger)
            while len(batch) < self.batch_max:
                try:
                    item = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            await self._write_batch(batch)

    async def _write_batch(self, batch: list[_Pending]) -> None:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                recorded = await self._write(batch)
            except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError) as exc:
                if attempt < _ATTEMPTS:
                    logger.warning("access log append failed (attempt %d): %s", attempt, exc)
                    await asyncio.sleep(0.05 * attempt)
                    continue
                self._fail(batch, exc)
                return
            except Exception as exc:
                logger.exception("access log append failed")
                self._fail(batch, exc)
                return
            for pending, result in zip(batch, recorded, strict=True):
                if not pending.future.done():
                    pending.future.set_result(result)
            self.batches += 1
            self.records += len(batch)
            return

    @staticmethod
    def _fail(batch: Sequence[_Pending], exc: BaseException) -> None:
        for pending in batch:
            if not pending.future.done():
                pending.future.set_exception(exc)

    async def _write(self, batch: Sequence[_Pending]) -> list[Recorded]:
        try:
            return await self._write_once(batch)
        except BaseException:
            self._tip = None  # not committed: read the head again next time
            raise

    async def _write_once(self, batch: Sequence[_Pending]) -> list[Recorded]:
        now = utcnow()
        size = len(batch)
        async with self.database.transaction() as session:
            built: _Built | None = None
            if self._tip is not None:
                # Fast path: continue from the tip this writer committed last, if it is
                # still the head (one statement; another replica's append makes it miss).
                seq, digest = self._tip
                built = self._build(batch, seq, digest, now)
                moved = await session.execute(
                    sa.update(_head)
                    .where(_head.c.id == 1, _head.c.seq == seq, _head.c.hash == digest)
                    .values(seq=seq + size, hash=built.last_hash, updated_at=now)
                )
                if getattr(moved, "rowcount", 0) != 1:
                    built = None
            if built is None:
                # Take the head (a row lock on PostgreSQL, the write lock on SQLite) and
                # read it in one statement, then move it to the last new record.
                tip = (
                    await session.execute(
                        sa.update(_head)
                        .where(_head.c.id == 1)
                        .values(seq=_head.c.seq + size, updated_at=now)
                        .returning(_head.c.seq, _head.c.hash)
                    )
                ).one()
                built = self._build(batch, int(tip.seq) - size, str(tip.hash), now)
                await session.execute(
                    sa.update(_head).where(_head.c.id == 1).values(hash=built.last_hash)
                )
            await session.execute(sa.insert(_records), built.records)
            if built.usages:
                await session.execute(sa.insert(_usages), built.usages)
            await self.outbox.add_many(session, built.envelopes)
        self._tip = (built.recorded[-1].seq, built.last_hash)
        return built.recorded

    def _build(self, batch: Sequence[_Pending], seq: int, prev: str, now: datetime) -> _Built:
        """The rows, usages and events of ``batch`` chained after ``(seq, prev)``."""
        built = _Built()
        day = now.astimezone(self.zone).date().isoformat()
        for pending in batch:
            seq += 1
            entry = pending.entry
            values: dict[str, Any] = {
                "seq": seq,
                "record_id": pending.record_id,
                "recorded_at": now,
                "day": day,
                "kind": entry.kind.value,
                "caller_department": entry.caller_department,
                "operator_id": entry.operator_id,
                "item_seq_no": entry.item_seq_no,
                "purpose": entry.purpose,
                "licence_id": entry.licence_id,
                "type_code": entry.type_code,
                "issuer_code": entry.issuer_code,
                "holder_hmac": self.hasher.digest(entry.holder),
                "holder_masked": entry.holder.masked(),
                "result": entry.result,
                "result_class": entry.result_class,
                "mode": entry.mode.value if entry.mode else None,
                "detail": canonical_detail(entry.detail),
            }
            digest = record_hash(prev, values)
            built.records.append({**values, "prev_hash": prev, "hash": digest})
            prev = digest
            built.usages.extend(
                {
                    "record_seq": seq,
                    "day": day,
                    "kind": entry.kind.value,
                    "caller_department": entry.caller_department,
                    "item_seq_no": entry.item_seq_no,
                    "licence_id": usage.licence_id,
                    "type_code": usage.type_code,
                    "issuer_code": usage.issuer_code,
                }
                for usage in entry.usages
            )
            built.envelopes.append(self._event(pending, now))
            built.recorded.append(Recorded(pending.record_id, seq, now, digest))
        built.last_hash = prev
        return built

    def _event(self, pending: _Pending, at: Any) -> EventEnvelope:
        entry = pending.entry
        # Built from the request's validated parts and this record: not validated again.
        payload = VerificationCompleted.model_construct(
            record_id=pending.record_id,
            kind=entry.kind,
            caller_department=entry.caller_department,
            operator_id=entry.operator_id,
            item_seq_no=entry.item_seq_no,
            purpose=entry.purpose,
            holder=entry.holder,
            licence_id=entry.licence_id,
            type_code=entry.type_code,
            issuer_code=entry.issuer_code,
            result=entry.result,
            mode=entry.mode,
            completed_at=at,
            licence_ids=tuple(dict.fromkeys(u.licence_id for u in entry.usages)),
            consent_id=entry.consent_id,
        )
        return EventEnvelope.wrap(
            payload, source=self.source, subject=pending.record_id, trace=pending.trace
        )
