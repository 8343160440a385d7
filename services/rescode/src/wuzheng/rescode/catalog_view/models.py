"""The local read model of the catalogue: departments, licence types, items, and the
licence types each item's materials name. Fed by ``catalog.*`` events; never written
otherwise. ``event_time`` is the time of the event a row reflects: an older event
arriving late (a redelivery) does not overwrite a newer one."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.rescode.models import Base


class CatalogDepartment(Base):
    __tablename__ = "catalog_departments"

    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    event_time: Mapped[dt.datetime]


class CatalogLicenceType(Base):
    __tablename__ = "catalog_licence_types"

    code: Mapped[str] = mapped_column(sa.String(21), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    holder_kind: Mapped[str] = mapped_column(sa.String(16))
    event_time: Mapped[dt.datetime]


class CatalogItem(Base):
    """An item; ``name`` is None while only its materials arrived."""

    __tablename__ = "catalog_items"

    seq_no: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(sa.String(500))
    department: Mapped[str | None] = mapped_column(sa.String(64))
    event_time: Mapped[dt.datetime | None]
    materials_known: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    materials_event_time: Mapped[dt.datetime | None]


class CatalogItemLicenceType(Base):
    """A licence type named by one of the item's materials (``e_licence`` mode)."""

    __tablename__ = "catalog_item_licence_types"

    item_seq_no: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    licence_type: Mapped[str] = mapped_column(sa.String(21), primary_key=True)
    material: Mapped[str] = mapped_column(sa.String(500))
