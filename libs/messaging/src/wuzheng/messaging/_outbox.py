"""The transactional outbox: events are rows written in the domain transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from wuzheng.contracts import EventEnvelope
from wuzheng.db import Database, utcnow
from wuzheng.messaging._tables import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENT,
    dead_letter_table,
    inbox_table,
    outbox_table,
)
from wuzheng.messaging._topology import Topology

# Set on a session that wrote an outbox row; the relay's after-commit hook looks for it.
OUTBOX_WRITTEN = "wuzheng.messaging.outbox_written"


_last_created_at = datetime.min.replace(tzinfo=UTC)


def _created_at() -> datetime:
    """Now, but strictly after the previous row of this process: rows of one transaction
    (and of one producer) keep their order in the relay's ``ORDER BY created_at``."""
    global _last_created_at  # noqa: PLW0603 - one clock per process is the point
    now = utcnow()
    if now <= _last_created_at:
        now = _last_created_at + timedelta(microseconds=1)
    _last_created_at = now
    return now


def outbox_written(session: Session) -> bool:
    """True (once) when ``session`` committed at least one outbox row since last asked."""
    return bool(session.info.pop(OUTBOX_WRITTEN, False))


class Outbox:
    """Writes events into the ``outbox`` table inside the caller's transaction.

    ``topology`` maps the envelope's subject into its namespace (tests); a service passes
    the same topology it applies at start-up, or nothing.
    """

    def __init__(self, topology: Topology | None = None) -> None:
        self.topology = topology

    def subject_for(self, envelope: EventEnvelope) -> str:
        subject = envelope.nats_subject
        return self.topology.subject(subject) if self.topology is not None else subject

    async def add(
        self, session: AsyncSession, envelope: EventEnvelope, *, subject: str | None = None
    ) -> None:
        """Stage ``envelope``: it is published after, and only if, the transaction commits."""
        await self.add_many(session, [envelope], subject=subject)

    async def add_many(
        self,
        session: AsyncSession,
        envelopes: Sequence[EventEnvelope],
        *,
        subject: str | None = None,
    ) -> None:
        if not envelopes:
            return
        rows = []
        for envelope in envelopes:
            now = _created_at()
            rows.append(
                {
                    "id": envelope.id,
                    "subject": subject or self.subject_for(envelope),
                    "payload": envelope.to_bytes(),
                    "headers": envelope.nats_headers(),
                    "created_at": now,
                    "status": OUTBOX_PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                }
            )
        await session.execute(sa.insert(outbox_table), rows)
        session.info[OUTBOX_WRITTEN] = True


@dataclass(frozen=True)
class Backlog:
    """What the outbox still holds: the gauge behind /metrics and ``wuzheng outbox``."""

    pending: int
    failed: int
    oldest_pending_at: datetime | None
    dead_letters: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "failed": self.failed,
            "oldest_pending_at": self.oldest_pending_at.isoformat()
            if self.oldest_pending_at
            else None,
            "dead_letters": self.dead_letters,
        }


async def outbox_backlog(database: Database) -> Backlog:
    """Count pending and failed outbox rows and unreplayed dead letters."""
    async with database.sessionmaker() as session:
        result = await session.execute(
            sa.select(outbox_table.c.status, sa.func.count())
            .where(outbox_table.c.status.in_([OUTBOX_PENDING, OUTBOX_FAILED]))
            .group_by(outbox_table.c.status)
        )
        counts = {str(status): int(count) for status, count in result.all()}
        oldest = (
            await session.execute(
                sa.select(sa.func.min(outbox_table.c.created_at)).where(
                    outbox_table.c.status == OUTBOX_PENDING
                )
            )
        ).scalar_one()
        dead = (
            await session.execute(
                sa.select(sa.func.count())
                .select_from(dead_letter_table)
                .where(dead_letter_table.c.replayed_at.is_(None))
            )
        ).scalar_one()
    return Backlog(
        pending=int(counts.get(OUTBOX_PENDING, 0)),
        failed=int(counts.get(OUTBOX_FAILED, 0)),
        oldest_pending_at=oldest,
        dead_letters=int(dead),
    )


async def retry_failed(database: Database, ids: Sequence[str] | None = None) -> int:
    """Put failed outbox rows (all, or ``ids``) back to pending with a fresh attempt count.

    The operator's lever after fixing what made them fail; returns how many rows.
    """
    statement = (
        sa.update(outbox_table)
        .where(outbox_table.c.status == OUTBOX_FAILED)
        .values(status=OUTBOX_PENDING, attempts=0, next_attempt_at=utcnow())
    )
    if ids is not None:
        statement = statement.where(outbox_table.c.id.in_(list(ids)))
    async with database.transaction() as session:
        result = await session.execute(statement)
        session.info[OUTBOX_WRITTEN] = True
    return int(getattr(result, "rowcount", 0) or 0)


async def replay_dead_letters(database: Database, ids: Sequence[int] | None = None) -> int:
    """Send dead letters (all unreplayed ones, or ``ids``) again, through this outbox.

    Each is queued under a fresh ``Nats-Msg-Id`` (JetStream must not drop it as a
    duplicate) with its original subject, payload and headers, and marked ``replayed_at``,
    in one transaction. Every consumer of the subject sees it again; those that applied
    it before skip it (their inbox knows the event id), the one that failed retries it.
    Returns how many were queued.
    """
    now = utcnow()
    query = sa.select(dead_letter_table).order_by(dead_letter_table.c.id)
    if ids is None:
        query = query.where(dead_letter_table.c.replayed_at.is_(None))
    else:
        query = query.where(dead_letter_table.c.id.in_(list(ids)))
    async with database.transaction() as session:
        letters = (await session.execute(query.with_for_update())).all()
        for letter in letters:
            message_id = f"replay-{letter.id}-{secrets.token_hex(6)}"
            headers = {**dict(letter.headers or {}), "Nats-Msg-Id": message_id}
            await session.execute(
                sa.insert(outbox_table).values(
                    id=message_id,
                    subject=letter.subject,
                    payload=letter.payload,
                    headers=headers,
                    created_at=_created_at(),
                    status=OUTBOX_PENDING,
                    attempts=0,
                    next_attempt_at=now,
                )
            )
        if letters:
            await session.execute(
                sa.update(dead_letter_table)
                .where(dead_letter_table.c.id.in_([letter.id for letter in letters]))
                .values(replayed_at=now)
            )
            session.info[OUTBOX_WRITTEN] = True
    return len(letters)


@dataclass(frozen=True)
class Pruned:
    sent_outbox_rows: int
    inbox_rows: int


async def prune(
    database: Database,
    *,
    sent_before: datetime,
    inbox_before: datetime | None = None,
    batch_size: int = 10_000,
) -> Pruned:
    """Delete outbox rows sent before ``sent_before`` and, if given, inbox rows received
    before ``inbox_before``, in batches of ``batch_size`` (short transactions, no long lock).

    Pending and failed outbox rows are never deleted. Inbox rows are what makes a
    redelivered or replayed event a no-op: keep them longer than the streams' ``max_age``
    and than the age of any dead letter you may still replay.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    sent = await _delete_in_batches(
        database,
        sa.select(outbox_table.c.id).where(
            outbox_table.c.status == OUTBOX_SENT, outbox_table.c.sent_at < sent_before
        ),
        outbox_table,
        (outbox_table.c.id,),
        batch_size,
    )
    received = 0
    if inbox_before is not None:
        received = await _delete_in_batches(
            database,
            sa.select(inbox_table.c.consumer, inbox_table.c.event_id).where(
                inbox_table.c.received_at < inbox_before
            ),
            inbox_table,
            (inbox_table.c.consumer, inbox_table.c.event_id),
            batch_size,
        )
    return Pruned(sent_outbox_rows=sent, inbox_rows=received)


async def _delete_in_batches(
    database: Database,
    query: sa.Select[Any],
    table: sa.Table,
    key: tuple[sa.Column[Any], ...],
    batch_size: int,
) -> int:
    total = 0
    while True:
        async with database.transaction() as session:
            keys = (await session.execute(query.limit(batch_size))).all()
            if not keys:
                return total
            if len(key) == 1:
                matching = key[0].in_([row[0] for row in keys])
            else:
                matching = sa.tuple_(*key).in_([tuple(row) for row in keys])
            await session.execute(sa.delete(table).where(matching))
        total += len(keys)
        if len(keys) < batch_size:
            return total
