"""Issuers, their seal keys (private halves encrypted at rest) and status-list bookkeeping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.db import utcnow
from wuzheng.issuance.models import Base


class Issuer(Base):
    """One issuer code this service seals and answers for.

    The row is also the issuer's lock: allocating a serial number or a status-list index,
    creating or rotating keys take it ``FOR UPDATE``. ``status_version`` counts changes of
    its licences' statuses; the published status list is up to date when
    ``published_version`` equals it.
    """

    __tablename__ = "issuers"

    issuer_code: Mapped[str] = mapped_column(sa.String(18), primary_key=True)
    department_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    active_kid: Mapped[str | None] = mapped_column(sa.String(64))
    next_serial: Mapped[int] = mapped_column(sa.Integer(), default=1)
    status_list_size: Mapped[int] = mapped_column(sa.Integer())
    status_list_used: Mapped[int] = mapped_column(sa.Integer(), default=0)
    status_version: Mapped[int] = mapped_column(sa.Integer(), default=0)
    published_version: Mapped[int] = mapped_column(sa.Integer(), default=-1)
    status_list_token: Mapped[str | None] = mapped_column(sa.Text())
    status_list_issued_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SealKeyRecord(Base):
    """One seal key. ``private_blob`` is :meth:`SealKey.encrypt` output, and is erased when
    the key is retired: nothing may seal with a retired key, verifiers still need its
    public half."""

    __tablename__ = "seal_keys"

    kid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    issuer_code: Mapped[str] = mapped_column(
        sa.String(18), sa.ForeignKey("issuers.issuer_code"), index=True
    )
    suite: Mapped[str] = mapped_column(sa.String(16))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
    private_blob: Mapped[bytes | None] = mapped_column(sa.LargeBinary())
    created_at: Mapped[dt.datetime] = mapped_column()
    retired_at: Mapped[dt.datetime | None] = mapped_column()
