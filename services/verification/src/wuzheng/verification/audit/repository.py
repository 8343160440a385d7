"""Reading the access record: chain verification and export, page by page (keyset on seq)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from wuzheng.db import Database
from wuzheng.verification.audit.chain import GENESIS_HASH, HASHED_FIELDS, record_hash
from wuzheng.verification.audit.models import AccessChainHead, AccessRecord

PAGE = 1000


@dataclass(frozen=True)
class Broken:
    seq: int
    record_id: str | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    records: int
    head_seq: int
    head_hash: str
    first_broken: Broken | None


async def _page(database: Database, after: int, upto: int) -> Sequence[AccessRecord]:
    async with database.sessionmaker() as session:
        query = (
            sa.select(AccessRecord)
            .where(AccessRecord.seq > after, AccessRecord.seq <= upto)
            .order_by(AccessRecord.seq)
            .limit(PAGE)
        )
        return (await session.scalars(query)).all()


async def verify_chain(database: Database) -> ChainReport:
    """Recompute every hash from the first record to the head; name the first record that
    does not fit (altered, missing, reordered), or a head that does not match the last."""
    async with database.sessionmaker() as session:
        head = await session.get(AccessChainHead, 1)
    if head is None:
        return ChainReport(False, 0, 0, GENESIS_HASH, Broken(0, None, "the chain head is missing"))
    expected_seq, prev, count = 1, GENESIS_HASH, 0
    while expected_seq <= head.seq:
        rows = await _page(database, expected_seq - 1, head.seq)
        if not rows:
            break
        for row in rows:
            broken = _check(row, expected_seq, prev)
            if broken is not None:
                return ChainReport(False, count, head.seq, head.hash, broken)
            prev = row.hash
            expected_seq += 1
            count += 1
    if count != head.seq:
        return ChainReport(
            False,
            count,
            head.seq,
            head.hash,
            Broken(count + 1, None, f"record {count + 1} is missing (the head is at {head.seq})"),
        )
    if prev != head.hash:
        return ChainReport(
            False,
            count,
            head.seq,
            head.hash,
            Broken(head.seq, None, "the chain head's hash is not the last record's"),
        )
    return ChainReport(True, count, head.seq, head.hash, None)


def _check(row: AccessRecord, expected_seq: int, prev: str) -> Broken | None:
    if row.seq != expected_seq:
        return Broken(expected_seq, None, f"record {expected_seq} is missing")
    if row.prev_hash != prev:
        return Broken(row.seq, row.record_id, "prev_hash is not the previous record's hash")
    values = {name: getattr(row, name) for name in HASHED_FIELDS}
    if record_hash(prev, values) != row.hash:
        return Broken(row.seq, row.record_id, "the record's content does not match its hash")
    return None


async def records(
    database: Database,
    *,
    since: datetime | None,
    until: datetime | None,
    holder_hmac: str | None = None,
) -> AsyncIterator[AccessRecord]:
    """Records in ``[since, until)`` (by ``recorded_at``), in chain order."""
    after = 0
    while True:
        async with database.sessionmaker() as session:
            query = sa.select(AccessRecord).where(AccessRecord.seq > after)
            if since is not None:
                query = query.where(AccessRecord.recorded_at >= since)
            if until is not None:
                query = query.where(AccessRecord.recorded_at < until)
            if holder_hmac is not None:
                query = query.where(AccessRecord.holder_hmac == holder_hmac)
            rows = (await session.scalars(query.order_by(AccessRecord.seq).limit(PAGE))).all()
        if not rows:
            return
        for row in rows:
            yield row
        after = rows[-1].seq
