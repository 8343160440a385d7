"""Who used my data: one append-only, hash-chained log per holder.

Each record's ``hash`` is SHA-256 over its canonical content and the previous record's
hash (``prev_hash``; 64 zeros for the first): changing, removing or reordering a record
breaks every hash after it. ``access_chain_heads`` holds each chain's length and last hash;
appending updates it first, which serialises appends per holder on PostgreSQL (row lock)
and SQLite (the write lock).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.rescode.models import Base


class AccessRecord(Base):
    __tablename__ = "access_records"
    __table_args__ = (
        sa.UniqueConstraint("holder_hash", "seq", name="uq_access_records_holder_hash_seq"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    holder_hash: Mapped[str] = mapped_column(sa.String(64))
    seq: Mapped[int] = mapped_column(sa.Integer)
    source: Mapped[str] = mapped_column(sa.String(24))
    department: Mapped[str] = mapped_column(sa.String(64))
    operator_id: Mapped[str | None] = mapped_column(sa.String(128))
    item_seq_no: Mapped[int | None] = mapped_column(sa.Integer)
    purpose: Mapped[str] = mapped_column(sa.String(500))
    result: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[dt.datetime]
    reference: Mapped[str | None] = mapped_column(sa.String(64))
    licence_ids: Mapped[list[str]] = mapped_column(sa.JSON)
    type_code: Mapped[str | None] = mapped_column(sa.String(21))
    agent_masked: Mapped[str | None] = mapped_column(sa.String(40))
    relation: Mapped[str | None] = mapped_column(sa.String(24))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AccessChainHead(Base):
    __tablename__ = "access_chain_heads"

    holder_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    head_hash: Mapped[str] = mapped_column(sa.String(64))
