"""``catalog.*``: what the catalog service publishes about the city's catalogue.

Every payload carries the whole current state of what changed (not a diff), so a consumer
keeps a local read model by upserting on the key it names: a department by ``code``, a
licence type by ``code``, an item by ``seq_no``, a field by ``key``. Materials travel as
the item's full list (replace, do not merge). A published 免证办 batch is immutable: it is
announced once.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from wuzheng.contracts import CreditCode, EventPayload, LicenceTypeCode

__all__ = [
    "DataLevel",
    "DepartmentKind",
    "DepartmentUpserted",
    "ExemptionListPublished",
    "FieldSourceRef",
    "FieldType",
    "FieldUpserted",
    "FulfilmentMode",
    "HolderKind",
    "IssuingDepartment",
    "ItemLevel",
    "ItemMaterial",
    "ItemMaterialsChanged",
    "ItemUpserted",
    "LicenceFieldSpec",
    "LicenceTypeUpserted",
    "MaterialOrigin",
]

DepartmentKind = Literal["government", "public_service"]
ItemLevel = Literal["市级", "县级"]
DataLevel = Literal["省级", "市级"]
HolderKind = Literal["person", "organisation"]
FieldType = Literal["string", "date", "integer", "number", "boolean", "code"]
FulfilmentMode = Literal[
    "direct_cancel", "commitment", "data_sharing", "department_check", "e_licence", "paper"
]
MaterialOrigin = Literal["plan", "demo", "operator"]

DepartmentCode = str  # a lower-case ASCII slug such as "public-security"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class DepartmentUpserted(EventPayload):
    """A department (or public-service unit) was created or changed."""

    event_type = "catalog.department.upserted"

    code: DepartmentCode = Field(description="Stable slug, e.g. public-security")
    name: str
    aliases: tuple[str, ...] = Field(description="Spellings used for it in the plan")
    kind: DepartmentKind
    issuer_code: CreditCode = Field(description="USCC under which it issues licences")
    issuer_code_placeholder: bool = Field(
        description="True while issuer_code is a generated placeholder, not the real USCC"
    )


class LicenceFieldSpec(_Part):
    """One field of a licence type's schema (GB/T 36903 metadata or type-specific)."""

    key: str
    label: str
    type: FieldType
    required: bool
    personal: bool = Field(description="Personal data about an identified natural person")


class IssuingDepartment(_Part):
    code: DepartmentCode
    name: str
    issuer_code: CreditCode
    issuer_code_placeholder: bool


class LicenceTypeUpserted(EventPayload):
    """A licence type was created or changed, or one of its issuers' codes changed."""

    event_type = "catalog.licence_type.upserted"

    code: LicenceTypeCode
    seq_no: int = Field(description="序号 in 附件2")
    name: str
    holder_kind: HolderKind
    data_levels: tuple[DataLevel, ...]
    issuing_departments: tuple[IssuingDepartment, ...] = Field(
        description="In the order the plan names them; the first defined the type"
    )
    fields: tuple[LicenceFieldSpec, ...]


class ItemUpserted(EventPayload):
    """A service item (事项) was created or changed."""

    event_type = "catalog.item.upserted"

    seq_no: int
    name: str
    department: DepartmentCode
    department_text: str = Field(description="The department as the plan writes it")
    levels: tuple[ItemLevel, ...] = Field(description="行使层级; empty when the plan gives none")


class ItemMaterial(_Part):
    position: int = Field(ge=1)
    name: str
    mode: FulfilmentMode
    licence_type: LicenceTypeCode | None = Field(
        default=None, description="The licence that replaces the paper, when mode is e_licence"
    )
    commitment_text: str | None = Field(default=None, description="When mode is commitment")
    provider_department: DepartmentCode | None = Field(
        default=None, description="Who provides the data, for data_sharing / department_check"
    )
    legal_basis: str
    form_fields: tuple[str, ...] = Field(description="Field library keys the material fills")
    origin: MaterialOrigin


class ItemMaterialsChanged(EventPayload):
    """An item's materials changed; ``materials`` is the complete new list."""

    event_type = "catalog.item.materials_changed"

    seq_no: int
    materials: tuple[ItemMaterial, ...]


class ExemptionListPublished(EventPayload):
    """A 免证办 batch was published: the complete list as of ``date``; it never changes."""

    event_type = "catalog.exemption_list.published"

    batch: int = Field(ge=1)
    date: dt.date
    title: str
    items: tuple[int, ...] = Field(description="seq_no of every item on the list, ascending")
    published_at: dt.datetime


class FieldSourceRef(_Part):
    licence_type: LicenceTypeCode
    field: str = Field(description="Key of the field in the licence type's schema")


class FieldUpserted(EventPayload):
    """A standard form field of the field library was created or changed."""

    event_type = "catalog.field.upserted"

    key: str
    label: str
    type: FieldType
    personal: bool
    sources: tuple[FieldSourceRef, ...] = Field(
        description="Licence fields the form field can be filled from"
    )
