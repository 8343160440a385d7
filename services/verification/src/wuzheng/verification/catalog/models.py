"""Read-model tables of the catalogue, upserted from ``catalog.*`` events.

Each row keeps the time of the event it was last written from; an older event (a redelivery
after a newer one) does not overwrite it. An item's materials are kept as the complete list
the last ``catalog.item.materials_changed`` carried.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.verification.models import Base


class CatalogDepartment(Base):
    __tablename__ = "rm_departments"

    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    issuer_code: Mapped[str] = mapped_column(sa.String(18), index=True)
    event_time: Mapped[dt.datetime]


class CatalogLicenceType(Base):
    __tablename__ = "rm_licence_types"

    code: Mapped[str] = mapped_column(sa.String(21), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    holder_kind: Mapped[str] = mapped_column(sa.String(16))
    issuer_codes: Mapped[list[str]] = mapped_column(sa.JSON())
    fields: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON())
    event_time: Mapped[dt.datetime]


class CatalogItem(Base):
    __tablename__ = "rm_items"

    seq_no: Mapped[int] = mapped_column(sa.Integer(), primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(sa.String(500))
    department: Mapped[str | None] = mapped_column(sa.String(64))
    event_time: Mapped[dt.datetime | None]
    materials: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON())
    materials_event_time: Mapped[dt.datetime | None]


class CatalogField(Base):
    __tablename__ = "rm_fields"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    personal: Mapped[bool] = mapped_column(sa.Boolean())
    sources: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON())
    event_time: Mapped[dt.datetime]
