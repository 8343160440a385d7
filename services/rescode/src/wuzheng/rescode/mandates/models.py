"""Mandates: an agent acts for a principal (代办 family, 监护 guardian, 企业经办人 staff)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.rescode.models import Base


class Mandate(Base):
    __tablename__ = "mandates"
    __table_args__ = (
        sa.Index("ix_mandates_principal_agent", "principal_hash", "agent_hash"),
        sa.Index("ix_mandates_agent_hash", "agent_hash"),
    )

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    principal_hash: Mapped[str] = mapped_column(sa.String(64))
    principal_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    agent_hash: Mapped[str] = mapped_column(sa.String(64))
    agent_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    relation: Mapped[str] = mapped_column(sa.String(24))
    items: Mapped[list[int] | None] = mapped_column(sa.JSON)
    licence_types: Mapped[list[str] | None] = mapped_column(sa.JSON)
    granted_by: Mapped[str] = mapped_column(sa.String(64))
    granted_at: Mapped[dt.datetime]
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
