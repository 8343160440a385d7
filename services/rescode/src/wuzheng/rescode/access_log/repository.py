"""The hash-chained access log: append, read, verify."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.rescode.access_log.models import AccessChainHead, AccessRecord

GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    """What one access record says, before it is chained."""

    source: str
    department: str
    purpose: str
    result: str
    at: datetime
    operator_id: str | None = None
    item_seq_no: int | None = None
    reference: str | None = None
    licence_ids: tuple[str, ...] = ()
    type_code: str | None = None
    agent_masked: str | None = None
    relation: str | None = None

    @classmethod
    def of(cls, record: AccessRecord) -> Entry:
        return cls(
            source=record.source,
            department=record.department,
            purpose=record.purpose,
            result=record.result,
            at=record.at,
            operator_id=record.operator_id,
            item_seq_no=record.item_seq_no,
            reference=record.reference,
            licence_ids=tuple(record.licence_ids),
            type_code=record.type_code,
            agent_masked=record.agent_masked,
            relation=record.relation,
        )


def record_hash(holder_hash: str, seq: int, entry: Entry, prev_hash: str) -> str:
    """SHA-256 over the canonical JSON of the record and the previous hash."""
    content = asdict(entry)
    content["at"] = entry.at.isoformat(timespec="microseconds")
    content.update(holder=holder_hash, seq=seq, prev=prev_hash)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _heads() -> sa.Table:
    table = AccessChainHead.__table__
    assert isinstance(table, sa.Table)
    return table


async def append(session: AsyncSession, holder_hash: str, entry: Entry) -> AccessRecord:
    """Chain ``entry`` onto the holder's log. The head row is written (created at seq 1, or
    its seq bumped) before anything is read from it, so concurrent appends for one holder
    queue up on the row (PostgreSQL) or the write lock (SQLite) instead of forking."""
    heads = _heads()
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    bump = (
        insert(heads)
        .values(holder_hash=holder_hash, seq=1, head_hash=GENESIS)
        .on_conflict_do_update(index_elements=["holder_hash"], set_={"seq": heads.c.seq + 1})
        .returning(heads.c.seq, heads.c.head_hash)
    )
    # head_hash is not changed by the bump: it is still the previous record's hash.
    seq, prev_hash = (await session.execute(bump)).one()
    digest = record_hash(holder_hash, seq, entry, prev_hash)
    await session.execute(
        sa.update(heads).where(heads.c.holder_hash == holder_hash).values(head_hash=digest)
    )
    record = AccessRecord(
        id=secrets.token_hex(16),
        holder_hash=holder_hash,
        seq=seq,
        prev_hash=prev_hash,
        hash=digest,
        **asdict(entry),
    )
    session.add(record)
    return record


@dataclass(frozen=True)
class ChainState:
    length: int
    head_hash: str
    intact: bool
    broken_at: int | None = None


async def records(session: AsyncSession, holder_hash: str) -> Sequence[AccessRecord]:
    """The holder's whole log, oldest first."""
    rows = await session.scalars(
        sa.select(AccessRecord)
        .where(AccessRecord.holder_hash == holder_hash)
        .order_by(AccessRecord.seq)
    )
    return rows.all()


async def head(session: AsyncSession, holder_hash: str) -> AccessChainHead | None:
    return await session.get(AccessChainHead, holder_hash)


def verify(
    holder_hash: str, chain: Sequence[AccessRecord], chain_head: AccessChainHead | None
) -> ChainState:
    """Recompute every hash; the first record that does not match (or a gap, or a head
    that disagrees with the last record) breaks the chain there."""
    prev = GENESIS
    for expected_seq, record in enumerate(chain, start=1):
        ok = (
            record.seq == expected_seq
            and record.prev_hash == prev
            and record.hash == record_hash(holder_hash, record.seq, Entry.of(record), prev)
        )
        if not ok:
            return ChainState(len(chain), prev, intact=False, broken_at=expected_seq)
        prev = record.hash
    length = len(chain)
    if chain_head is not None and (chain_head.seq != length or chain_head.head_hash != prev):
        return ChainState(length, prev, intact=False, broken_at=min(chain_head.seq, length + 1))
    return ChainState(length, prev, intact=True)
