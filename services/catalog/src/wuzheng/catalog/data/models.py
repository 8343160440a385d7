"""Typed rows of the catalog's seed data files.

Every data file in this package is validated against these models when it is loaded, and the
generator (``python -m wuzheng.catalog.seed``) builds its rows through them, so a file that
does not fit cannot be written or read.
"""

from __future__ import annotations

import re
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from stdnum.cn import uscc

SCHEMA_VERSION: Literal[1] = 1

Level = Literal["市级", "县级"]
"""行使层级 of a service item (附件1)."""

DataLevel = Literal["省级", "市级"]
"""数据责任层级 of a licence (附件2)."""

DepartmentKind = Literal["government", "public_service"]
HolderKind = Literal["person", "organisation"]
FieldType = Literal["string", "date", "integer", "number", "boolean", "code"]
FulfilmentMode = Literal[
    "direct_cancel", "commitment", "data_sharing", "department_check", "e_licence", "paper"
]

_DEPARTMENT_CODE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_FIELD_KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _check_department_code(value: str) -> str:
    if not _DEPARTMENT_CODE.fullmatch(value):
        raise ValueError(f"department code must be a lower-case ASCII slug, got {value!r}")
    return value


def _check_field_key(value: str) -> str:
    if not _FIELD_KEY.fullmatch(value):
        raise ValueError(f"field key must be ASCII snake_case, got {value!r}")
    return value


def _check_uscc(value: str) -> str:
    if value != uscc.compact(value) or not uscc.is_valid(value):
        raise ValueError(f"not a valid unified social credit code (GB 32100): {value!r}")
    return value


def _check_licence_type_code(value: str) -> str:
    """21 characters: the defining department's 18-char USCC + a 3-digit sequence."""
    if len(value) != 21 or not value[18:].isdigit() or value[18:] == "000":
        raise ValueError(f"licence type code must be an 18-char USCC + 3 digits, got {value!r}")
    _check_uscc(value[:18])
    return value


DepartmentCode = Annotated[str, AfterValidator(_check_department_code)]
FieldKey = Annotated[str, AfterValidator(_check_field_key)]
IssuerCode = Annotated[str, AfterValidator(_check_uscc)]
LicenceTypeCode = Annotated[str, AfterValidator(_check_licence_type_code)]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Department(_Row):
    """A body named in 附件1 or 附件2 (a government department or a public-service unit)."""

    code: DepartmentCode
    name: NonEmpty
    aliases: tuple[NonEmpty, ...] = Field(min_length=1)
    kind: DepartmentKind
    issuer_code: IssuerCode
    issuer_code_placeholder: bool


class Item(_Row):
    """A row of 附件1 (第一批电子证照证明免提交事项清单)."""

    seq_no: int = Field(ge=1)
    department: DepartmentCode
    department_text: NonEmpty
    name: NonEmpty
    levels: tuple[Level, ...]

    @model_validator(mode="after")
    def _levels_unique(self) -> Item:
        if len(set(self.levels)) != len(self.levels):
            raise ValueError(f"item {self.seq_no}: duplicate levels {self.levels}")
        return self


class Licence(_Row):
    """A row of 附件2 (第一批常用电子证照证明清单)."""

    seq_no: int = Field(ge=1)
    name: NonEmpty
    issuing_departments: tuple[DepartmentCode, ...] = Field(min_length=1)
    issuing_departments_text: NonEmpty
    data_levels: tuple[DataLevel, ...] = Field(min_length=1)


class LicenceField(_Row):
    """One field of a licence type's schema (GB/T 36903 metadata or type-specific)."""

    key: FieldKey
    label: NonEmpty
    type: FieldType
    required: bool
    personal: bool


class LicenceType(_Row):
    """The licence type (证照类型) defined for one licence of 附件2."""

    code: LicenceTypeCode
    seq_no: int = Field(ge=1)
    name: NonEmpty
    issuing_departments: tuple[DepartmentCode, ...] = Field(min_length=1)
    data_levels: tuple[DataLevel, ...] = Field(min_length=1)
    holder_kind: HolderKind
    fields: tuple[LicenceField, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _keys_unique(self) -> LicenceType:
        keys = [f.key for f in self.fields]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"licence type {self.name}: duplicate field keys {duplicates}")
        return self

    def field(self, key: str) -> LicenceField:
        """The field with this key; KeyError if the type has none."""
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(f"licence type {self.code} ({self.name}) has no field {key!r}")


RowT = TypeVar("RowT", bound=_Row)


class DataFile(BaseModel, Generic[RowT]):
    """The wrapper of every generated data file: provenance + rows."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: NonEmpty
    source_sha256: Annotated[str, Field(pattern=_SHA256.pattern)]
    schema_version: Literal[1]
    rows: tuple[RowT, ...]


# --- hand-written files (demo materials, field library) ---------------------------------


class Material(_Row):
    """A material (申请材料) of a service item and how it is fulfilled without paper."""

    name: NonEmpty
    mode: FulfilmentMode
    licence_type: LicenceTypeCode | None = None
    commitment_text: NonEmpty | None = None
    provider_department: DepartmentCode | None = None
    legal_basis: NonEmpty
    form_fields: tuple[FieldKey, ...] = ()

    @model_validator(mode="after")
    def _mode_needs(self) -> Material:
        if (self.mode == "e_licence") != (self.licence_type is not None):
            raise ValueError(
                f"{self.name}: licence_type is required exactly when mode is e_licence"
            )
        if (self.mode == "commitment") != (self.commitment_text is not None):
            raise ValueError(
                f"{self.name}: commitment_text is required exactly when mode is commitment"
            )
        needs_provider = self.mode in ("data_sharing", "department_check")
        if needs_provider != (self.provider_department is not None):
            raise ValueError(
                f"{self.name}: provider_department is required exactly when mode is "
                "data_sharing or department_check"
            )
        return self


class DemoItem(_Row):
    seq_no: int = Field(ge=1)
    name: NonEmpty
    materials: tuple[Material, ...] = Field(min_length=1)


class DemoMaterials(BaseModel):
    """demo_materials.json: an illustrative item → materials mapping, not authoritative."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    demo: Literal[True]
    description: NonEmpty
    schema_version: Literal[1]
    items: tuple[DemoItem, ...] = Field(min_length=1)


class FieldSource(_Row):
    licence_type: LicenceTypeCode
    licence_name: NonEmpty
    field: FieldKey


class StandardField(_Row):
    """A standard form field (标准字段) and the licence fields it can be filled from."""

    key: FieldKey
    label: NonEmpty
    type: FieldType
    personal: bool
    sources: tuple[FieldSource, ...] = Field(min_length=1)


class FieldLibrary(BaseModel):
    """field_library.json: standard form fields mapped to licence fields (表单自动填报)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: NonEmpty
    schema_version: Literal[1]
    fields: tuple[StandardField, ...] = Field(min_length=1)
