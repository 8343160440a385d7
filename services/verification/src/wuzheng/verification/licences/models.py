"""What the verification service knows about licences without asking their issuer.

- ``holder_licences``: every licence the ``certificate.licence.*`` events announced, found by
  the holder's HMAC (never the holder code itself), with type, issuer, status and its index
  in the issuer's status list — the evidence request looks a holder's licences up here and
  then asks each issuer.
- ``signed_licences``: sealed licences (compact JWS) seen in a verified QR form, kept for an
  offline check of the same licence later.
- ``status_lists``: each issuer's latest signed status list token.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.verification.models import Base


class HolderLicence(Base):
    __tablename__ = "holder_licences"
    __table_args__ = (sa.Index("ix_holder_licences_holder_type", "holder_hmac", "type_code"),)

    licence_id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    holder_hmac: Mapped[str] = mapped_column(sa.String(64))
    type_code: Mapped[str] = mapped_column(sa.String(21))
    issuer_code: Mapped[str] = mapped_column(sa.String(18))
    department: Mapped[str] = mapped_column(sa.String(64))
    licence_no: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(sa.Integer())
    status: Mapped[str] = mapped_column(sa.String(16))
    valid_from: Mapped[dt.date] = mapped_column(sa.Date())
    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date())
    status_list_index: Mapped[int | None] = mapped_column(sa.Integer())
    event_time: Mapped[dt.datetime]


class SignedLicence(Base):
    __tablename__ = "signed_licences"

    licence_id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    issuer_code: Mapped[str] = mapped_column(sa.String(18))
    token: Mapped[str] = mapped_column(sa.Text())
    cached_at: Mapped[dt.datetime]


class StatusListRow(Base):
    __tablename__ = "status_lists"

    issuer_code: Mapped[str] = mapped_column(sa.String(18), primary_key=True)
    token: Mapped[str] = mapped_column(sa.Text())
    issued_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime]
