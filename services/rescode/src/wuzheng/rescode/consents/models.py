"""Consents (授权展码): a holder lets a department see named licence types for an item."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.rescode.models import Base


class Consent(Base):
    __tablename__ = "consents"
    __table_args__ = (sa.Index("ix_consents_holder_department", "holder_hash", "department"),)

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder_hash: Mapped[str] = mapped_column(sa.String(64))
    holder_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    department: Mapped[str] = mapped_column(sa.String(64))
    item_seq_no: Mapped[int | None] = mapped_column(sa.Integer)
    licence_types: Mapped[list[str]] = mapped_column(sa.JSON)
    scope: Mapped[str] = mapped_column(sa.String(16))
    purpose: Mapped[str | None] = mapped_column(sa.String(200))
    granted_by: Mapped[str] = mapped_column(sa.String(64))
    granted_at: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    consumed_at: Mapped[dt.datetime | None]
    consumed_by: Mapped[str | None] = mapped_column(sa.String(24))
    consumed_ref: Mapped[str | None] = mapped_column(sa.String(64))
