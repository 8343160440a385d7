"""The catalog's tables (one metadata, read by alembic's ``env.py`` beside the messaging tables).

Relationships are ``lazy="raise"``: every query says what it loads. Lists that keep an order
(a licence type's issuing departments, an item's materials, a field's sources) carry a
``position`` column. Item levels are two booleans so that "at county level" is a plain indexed
filter on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from wuzheng.catalog.data.models import (
    DataLevel,
    DepartmentKind,
    FieldType,
    FulfilmentMode,
    HolderKind,
    Level,
)
from wuzheng.db import UtcDateTime, make_metadata, utcnow

__all__ = [
    "DEPARTMENT_KINDS",
    "FIELD_TYPES",
    "FULFILMENT_MODES",
    "HOLDER_KINDS",
    "MATERIAL_ORIGINS",
    "Base",
    "Department",
    "ExemptionList",
    "ExemptionListItem",
    "FieldSource",
    "Item",
    "LicenceType",
    "LicenceTypeIssuer",
    "Material",
    "MaterialOrigin",
    "StandardField",
    "levels_of",
]

MaterialOrigin = Literal["plan", "demo", "operator"]
"""Where a material row came from: the plan's data, the demo mapping, or an operator."""

DEPARTMENT_KINDS: tuple[DepartmentKind, ...] = get_args(DepartmentKind)
HOLDER_KINDS: tuple[HolderKind, ...] = get_args(HolderKind)
FIELD_TYPES: tuple[FieldType, ...] = get_args(FieldType)
FULFILMENT_MODES: tuple[FulfilmentMode, ...] = get_args(FulfilmentMode)
MATERIAL_ORIGINS: tuple[MaterialOrigin, ...] = get_args(MaterialOrigin)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def levels_of(city: bool, county: bool) -> tuple[Level, ...]:
    """The 行使层级 tuple of the two level flags, in the plan's order (市级 before 县级)."""
    return (*(("市级",) if city else ()), *(("县级",) if county else ()))


class Base(DeclarativeBase):
    metadata = make_metadata()
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime()}


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    aliases: Mapped[list[str]] = mapped_column(sa.JSON())
    kind: Mapped[DepartmentKind] = mapped_column(sa.String(32))
    issuer_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    issuer_code_placeholder: Mapped[bool] = mapped_column(sa.Boolean())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint(_in("kind", DEPARTMENT_KINDS), name="kind"),)


class LicenceType(Base):
    __tablename__ = "licence_types"

    code: Mapped[str] = mapped_column(sa.String(21), primary_key=True)
    seq_no: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    holder_kind: Mapped[HolderKind] = mapped_column(sa.String(16))
    data_levels: Mapped[list[DataLevel]] = mapped_column(sa.JSON())
    fields: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    issuers: Mapped[list[LicenceTypeIssuer]] = relationship(
        lazy="raise",
        order_by="LicenceTypeIssuer.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (sa.CheckConstraint(_in("holder_kind", HOLDER_KINDS), name="holder_kind"),)


class LicenceTypeIssuer(Base):
    """The departments that issue a licence type, in the plan's order."""

    __tablename__ = "licence_type_issuers"

    licence_type_code: Mapped[str] = mapped_column(
        sa.ForeignKey("licence_types.code", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    department_code: Mapped[str] = mapped_column(sa.ForeignKey("departments.code"), index=True)

    department: Mapped[Department] = relationship(lazy="raise")


class Item(Base):
    __tablename__ = "items"

    seq_no: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    department_code: Mapped[str] = mapped_column(sa.ForeignKey("departments.code"), index=True)
    department_text: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(500))
    at_city_level: Mapped[bool] = mapped_column(sa.Boolean())
    at_county_level: Mapped[bool] = mapped_column(sa.Boolean())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship(lazy="raise")
    materials: Mapped[list[Material]] = relationship(
        lazy="raise", order_by="Material.position", cascade="all, delete-orphan"
    )

    @property
    def levels(self) -> tuple[Level, ...]:
        """行使层级 in the plan's order (市级 before 县级)."""
        return levels_of(self.at_city_level, self.at_county_level)


class Material(Base):
    """A material (申请材料) of an item and how it is fulfilled without paper."""

    __tablename__ = "item_materials"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    item_seq_no: Mapped[int] = mapped_column(sa.ForeignKey("items.seq_no", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    mode: Mapped[FulfilmentMode] = mapped_column(sa.String(32), index=True)
    licence_type_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("licence_types.code"), index=True
    )
    commitment_text: Mapped[str | None] = mapped_column(sa.Text())
    provider_department_code: Mapped[str | None] = mapped_column(sa.ForeignKey("departments.code"))
    legal_basis: Mapped[str] = mapped_column(sa.Text())
    form_fields: Mapped[list[str]] = mapped_column(sa.JSON())
    origin: Mapped[MaterialOrigin] = mapped_column(sa.String(16))

    licence_type: Mapped[LicenceType | None] = relationship(lazy="raise")

    __table_args__ = (
        sa.UniqueConstraint("item_seq_no", "position"),
        sa.CheckConstraint(_in("mode", FULFILMENT_MODES), name="mode"),
        sa.CheckConstraint(_in("origin", MATERIAL_ORIGINS), name="origin"),
        sa.CheckConstraint(
            "(mode = 'e_licence') = (licence_type_code IS NOT NULL)", name="licence_type"
        ),
        sa.CheckConstraint(
            "(mode = 'commitment') = (commitment_text IS NOT NULL)", name="commitment_text"
        ),
    )


class ExemptionList(Base):
    """A published 免证办 batch: the complete list as of its date. Never updated."""

    __tablename__ = "exemption_lists"

    batch: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    date: Mapped[dt.date] = mapped_column(sa.Date())
    title: Mapped[str] = mapped_column(sa.String(200))
    item_count: Mapped[int]
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("batch >= 1", name="batch_positive"),)


class ExemptionListItem(Base):
    __tablename__ = "exemption_list_items"

    batch: Mapped[int] = mapped_column(
        sa.ForeignKey("exemption_lists.batch", ondelete="CASCADE"), primary_key=True
    )
    item_seq_no: Mapped[int] = mapped_column(
        sa.ForeignKey("items.seq_no"), primary_key=True, index=True
    )


class StandardField(Base):
    """A standard form field (标准字段) of the field library."""

    __tablename__ = "standard_fields"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[FieldType] = mapped_column(sa.String(16))
    personal: Mapped[bool] = mapped_column(sa.Boolean())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    sources: Mapped[list[FieldSource]] = relationship(
        lazy="raise", order_by="FieldSource.position", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint(_in("type", FIELD_TYPES), name="type"),)


class FieldSource(Base):
    """A licence field a standard field can be filled from."""

    __tablename__ = "field_sources"

    field_key: Mapped[str] = mapped_column(
        sa.ForeignKey("standard_fields.key", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    licence_type_code: Mapped[str] = mapped_column(sa.ForeignKey("licence_types.code"), index=True)
    licence_field: Mapped[str] = mapped_column(sa.String(64))
