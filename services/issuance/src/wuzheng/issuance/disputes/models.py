"""Objections (异议) on licences, kept so verification answers can say one is open."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.issuance.models import Base


class Objection(Base):
    __tablename__ = "objections"

    dispute_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    licence_id: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    opened_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
