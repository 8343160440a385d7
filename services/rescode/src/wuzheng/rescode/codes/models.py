"""Issued codes. A code is one row whatever its presentation (QR, barcode, digits): the
QR payload carries its id, the digits are derived from the id and found by their HMAC."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.rescode.models import Base


class Code(Base):
    __tablename__ = "codes"
    __table_args__ = (
        sa.Index("ix_codes_holder_agent", "holder_hash", "agent_hash"),
        sa.Index("ix_codes_expires_at", "expires_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    holder_hash: Mapped[str] = mapped_column(sa.String(64))
    holder_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    agent_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    agent_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    mandate_id: Mapped[str | None] = mapped_column(sa.String(40))
    digits_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_by: Mapped[str] = mapped_column(sa.String(64))
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    superseded_at: Mapped[dt.datetime | None]
