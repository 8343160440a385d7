"""Licences, their seals, their status history and idempotency keys.

A licence row is one *version* (``id`` is its GB/T 36904 identifier, version segment
included); an amendment adds a row with the next version and links the two. ``document`` is
the licence's canonical content — what every seal signs — with the fields as validated
against the type's schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.db import utcnow
from wuzheng.issuance.models import Base


class Licence(Base):
    __tablename__ = "licences"
    __table_args__ = (
        sa.UniqueConstraint("issuer_code", "type_code", "licence_no", "version"),
        sa.UniqueConstraint("issuer_code", "status_list_index"),
        sa.Index("ix_licences_issuer_type_serial", "issuer_code", "type_code", "serial"),
        sa.Index("ix_licences_status_valid_until", "status", "valid_until"),
    )

    id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    type_code: Mapped[str] = mapped_column(sa.String(21))
    issuer_code: Mapped[str] = mapped_column(sa.String(18))
    serial: Mapped[str] = mapped_column(sa.String(32))
    version: Mapped[int] = mapped_column(sa.Integer())
    department_code: Mapped[str] = mapped_column(sa.String(64))
    licence_no: Mapped[str] = mapped_column(sa.String(64))
    holder: Mapped[str] = mapped_column(sa.String(32), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    revocation: Mapped[str | None] = mapped_column(sa.String(16))
    valid_from: Mapped[dt.date] = mapped_column(sa.Date())
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date())
    status_list_index: Mapped[int] = mapped_column(sa.Integer())
    seals_required: Mapped[list[str]] = mapped_column(sa.JSON(), comment="department codes")
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON())
    previous_id: Mapped[str | None] = mapped_column(sa.String(128))
    superseded_by: Mapped[str | None] = mapped_column(sa.String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_at: Mapped[dt.datetime | None] = mapped_column(comment="when it became valid")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LicenceSeal(Base):
    """One department's seal on a licence version: a compact JWS of the licence claims."""

    __tablename__ = "licence_seals"

    licence_id: Mapped[str] = mapped_column(
        sa.String(128), sa.ForeignKey("licences.id"), primary_key=True
    )
    department_code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    issuer_code: Mapped[str] = mapped_column(sa.String(18))
    kid: Mapped[str] = mapped_column(sa.String(64))
    jws: Mapped[str] = mapped_column(sa.Text())
    operator_id: Mapped[str | None] = mapped_column(sa.String(64))
    sealed_at: Mapped[dt.datetime] = mapped_column()


class HistoryEntry(Base):
    """One step in a licence version's life: who did what, when and why."""

    __tablename__ = "licence_history"

    id: Mapped[int] = mapped_column(sa.Integer(), primary_key=True, autoincrement=True)
    licence_id: Mapped[str] = mapped_column(
        sa.String(128), sa.ForeignKey("licences.id"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    actor_department: Mapped[str] = mapped_column(sa.String(64))
    actor_operator: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text())
    dispute_id: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)


class IdempotencyKey(Base):
    """An issuing request's key, per department: the same key again answers with the same
    licence; with a different request (``fingerprint``) it is refused."""

    __tablename__ = "idempotency_keys"

    department_code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    licence_id: Mapped[str | None] = mapped_column(sa.String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
