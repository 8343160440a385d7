"""Departments and licence types as the catalog last announced them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from wuzheng.issuance.models import Base


class KnownDepartment(Base):
    """A department of the catalog (``catalog.department.upserted``)."""

    __tablename__ = "catalog_departments"

    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(32))
    issuer_code: Mapped[str] = mapped_column(sa.String(18), index=True)
    issuer_code_placeholder: Mapped[bool] = mapped_column(sa.Boolean())
    updated_at: Mapped[dt.datetime] = mapped_column(comment="time of the event applied last")


class KnownLicenceType(Base):
    """A licence type of the catalog (``catalog.licence_type.upserted``).

    ``issuing_departments`` is the event's list (``code``, ``name``, ``issuer_code``,
    ``issuer_code_placeholder``), ``fields`` its field schema (``key``, ``label``, ``type``,
    ``required``, ``personal``).
    """

    __tablename__ = "catalog_licence_types"

    code: Mapped[str] = mapped_column(sa.String(21), primary_key=True)
    seq_no: Mapped[int] = mapped_column(sa.Integer())
    name: Mapped[str] = mapped_column(sa.String(200))
    holder_kind: Mapped[str] = mapped_column(sa.String(16))
    issuing_departments: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON())
    fields: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON())
    updated_at: Mapped[dt.datetime] = mapped_column(comment="time of the event applied last")
