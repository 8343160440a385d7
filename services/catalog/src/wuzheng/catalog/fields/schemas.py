"""API models of the field library."""

from __future__ import annotations

from pydantic import BaseModel, Field

from wuzheng.catalog.data.models import FieldType


class FieldSourceOut(BaseModel):
    licence_type: str
    licence_name: str
    field: str = Field(description="Key of the field in the licence type's schema")
    field_label: str


class StandardFieldOut(BaseModel):
    key: str = Field(examples=["applicant_name"])
    label: str = Field(examples=["申请人姓名"])
    type: FieldType
    personal: bool
    sources: list[FieldSourceOut] = Field(description="Licence fields that can fill it")
