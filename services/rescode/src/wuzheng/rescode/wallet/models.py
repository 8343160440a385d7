"""The wallet projection (电子卡包): the holder's licences as ``certificate.*`` events tell.

Every licence event carries the licence's full facts, so a row is simply the facts of the
newest event about it (``event_time`` guards against a late redelivery). Supersession by a
newer version and objections live in their own tables because their events may arrive
before the licence's own (different streams, different producers).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.rescode.models import Base


class WalletLicence(Base):
    __tablename__ = "wallet_licences"
    __table_args__ = (sa.Index("ix_wallet_licences_holder_type", "holder_hash", "type_code"),)

    licence_id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    holder_hash: Mapped[str] = mapped_column(sa.String(64))
    licence_no: Mapped[str] = mapped_column(sa.String(100))
    type_code: Mapped[str] = mapped_column(sa.String(21))
    type_name: Mapped[str] = mapped_column(sa.String(200))
    issuer_code: Mapped[str] = mapped_column(sa.String(18))
    department: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(24))
    revocation: Mapped[str | None] = mapped_column(sa.String(16))
    valid_from: Mapped[dt.date] = mapped_column(sa.Date)
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    issued_at: Mapped[dt.datetime | None]
    status_changed_at: Mapped[dt.datetime | None]
    seals_present: Mapped[list[str] | None] = mapped_column(sa.JSON)
    seals_required: Mapped[list[str] | None] = mapped_column(sa.JSON)
    event_type: Mapped[str] = mapped_column(sa.String(64))
    event_time: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class WalletSupersession(Base):
    """``licence_id`` was replaced by ``superseded_by`` (certificate.licence.amended)."""

    __tablename__ = "wallet_supersessions"

    licence_id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    superseded_by: Mapped[str] = mapped_column(sa.String(120))
    at: Mapped[dt.datetime]


class LicenceObjection(Base):
    """An objection (异议) about a licence: open until ``closed_at``."""

    __tablename__ = "licence_objections"

    dispute_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    licence_id: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    opened_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(sa.String(16))
