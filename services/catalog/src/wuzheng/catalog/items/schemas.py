"""API models of service items and their materials."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from wuzheng.catalog.data.models import FieldType, FulfilmentMode, Level
from wuzheng.catalog.departments.schemas import DEPARTMENT_CODE_PATTERN
from wuzheng.catalog.models import MaterialOrigin
from wuzheng.contracts import LicenceTypeCode
from wuzheng.web import RequestModel

FIELD_KEY_PATTERN = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"


class ItemSummary(BaseModel):
    seq_no: int = Field(description="序号 in 附件1", examples=[5])
    name: str = Field(examples=["残疾人证换领"])
    department: str = Field(description="Department code", examples=["disabled-persons-federation"])
    department_name: str = Field(examples=["安丘市残疾人联合会"])
    department_text: str = Field(description="The department as the plan writes it")
    levels: list[Level] = Field(description="行使层级; empty when the plan gives none")
    modes: list[FulfilmentMode] = Field(description="Fulfilment modes of its materials")
    batches: list[int] = Field(description="免证办 batches listing the item")


class ItemPage(BaseModel):
    total: int = Field(description="Items matching the filters, over all pages")
    limit: int
    offset: int
    items: list[ItemSummary]


class MaterialOut(BaseModel):
    position: int = Field(ge=1)
    name: str
    mode: FulfilmentMode
    licence_type: str | None = Field(description="When mode is e_licence")
    licence_type_name: str | None
    commitment_text: str | None = Field(description="When mode is commitment")
    provider_department: str | None = Field(
        description="Who provides the data, when mode is data_sharing or department_check"
    )
    legal_basis: str
    form_fields: list[str] = Field(description="Field library keys the material fills")
    origin: MaterialOrigin = Field(
        description="plan, demo (illustrative, not authoritative) or operator"
    )


class ItemDetail(ItemSummary):
    materials: list[MaterialOut]


class ItemMaterials(BaseModel):
    seq_no: int
    materials: list[MaterialOut]


FieldKey = Annotated[str, Field(pattern=FIELD_KEY_PATTERN, max_length=64)]


class MaterialIn(RequestModel):
    """A material and how it is fulfilled. ``licence_type`` exactly when the mode is
    ``e_licence``; ``commitment_text`` exactly when ``commitment``; ``provider_department``
    exactly when ``data_sharing`` or ``department_check``."""

    name: str = Field(min_length=1, max_length=200)
    mode: FulfilmentMode
    licence_type: LicenceTypeCode | None = None
    commitment_text: str | None = Field(default=None, min_length=1, max_length=4000)
    provider_department: str | None = Field(
        default=None, pattern=DEPARTMENT_CODE_PATTERN, max_length=64
    )
    legal_basis: str = Field(min_length=1, max_length=2000)
    form_fields: list[FieldKey] = Field(default_factory=list, max_length=100)


class MaterialsIn(RequestModel):
    """The complete new list of an item's materials, in order."""

    materials: list[MaterialIn] = Field(max_length=100)


class FillSource(BaseModel):
    material_position: int
    material_name: str
    licence_type: str
    licence_name: str
    field: str = Field(description="Key of the licence field")
    field_label: str


class FormField(BaseModel):
    key: str
    label: str
    type: FieldType
    personal: bool
    materials: list[int] = Field(description="Positions of the materials that list the field")
    fill_from: list[FillSource] = Field(
        description="Licence fields of the item's e-licence materials that fill it; empty "
        "means the applicant (or the counter) fills it in"
    )


class ItemFormFields(BaseModel):
    seq_no: int
    fields: list[FormField]
