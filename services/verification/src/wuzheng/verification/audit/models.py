"""The access record: ``access_records`` (the hash chain), ``access_chain_head`` (its tip, one
row: the lock every append takes) and ``access_usages`` (one row per licence used, for the
statistics)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.verification.models import Base

GENESIS_HASH = "0" * 64


class AccessRecord(Base):
    __tablename__ = "access_records"

    seq: Mapped[int] = mapped_column(sa.BigInteger(), primary_key=True, autoincrement=False)
    record_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(index=True)
    day: Mapped[str] = mapped_column(sa.String(10))
    kind: Mapped[str] = mapped_column(sa.String(20))
    caller_department: Mapped[str] = mapped_column(sa.String(200))
    operator_id: Mapped[str | None] = mapped_column(sa.String(64))
    item_seq_no: Mapped[int | None] = mapped_column(sa.Integer())
    purpose: Mapped[str] = mapped_column(sa.String(200))
    licence_id: Mapped[str | None] = mapped_column(sa.String(200))
    type_code: Mapped[str | None] = mapped_column(sa.String(21))
    issuer_code: Mapped[str | None] = mapped_column(sa.String(18))
    holder_hmac: Mapped[str] = mapped_column(sa.String(64), index=True)
    holder_masked: Mapped[str] = mapped_column(sa.String(40))
    result: Mapped[str] = mapped_column(sa.String(64))
    result_class: Mapped[str] = mapped_column(sa.String(10))
    mode: Mapped[str | None] = mapped_column(sa.String(10))
    detail: Mapped[str] = mapped_column(sa.Text())
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AccessChainHead(Base):
    __tablename__ = "access_chain_head"

    id: Mapped[int] = mapped_column(sa.Integer(), primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(sa.BigInteger())
    hash: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[dt.datetime]


class AccessUsage(Base):
    __tablename__ = "access_usages"
    __table_args__ = (sa.Index("ix_access_usages_day_type", "day", "type_code"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    record_seq: Mapped[int] = mapped_column(sa.BigInteger(), index=True)
    day: Mapped[str] = mapped_column(sa.String(10))
    kind: Mapped[str] = mapped_column(sa.String(20))
    caller_department: Mapped[str] = mapped_column(sa.String(200))
    item_seq_no: Mapped[int | None] = mapped_column(sa.Integer())
    licence_id: Mapped[str] = mapped_column(sa.String(200))
    type_code: Mapped[str] = mapped_column(sa.String(21))
    issuer_code: Mapped[str] = mapped_column(sa.String(18))
