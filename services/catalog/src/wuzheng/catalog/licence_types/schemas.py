"""API models of licence types."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from wuzheng.catalog.data.models import DataLevel, FieldType, HolderKind


class IssuingDepartmentOut(BaseModel):
    code: str
    name: str
    issuer_code: str
    issuer_code_placeholder: bool


class LicenceFieldOut(BaseModel):
    key: str
    label: str
    type: FieldType
    required: bool
    personal: bool = Field(description="Personal data about an identified natural person")


class LicenceTypeSummary(BaseModel):
    code: str = Field(description="证照类型代码, 21 characters", examples=["11370784PH40135152001"])
    seq_no: int = Field(description="序号 in 附件2")
    name: str = Field(examples=["居民身份证"])
    holder_kind: HolderKind
    data_levels: list[DataLevel] = Field(description="数据责任层级")
    issuing_departments: list[IssuingDepartmentOut] = Field(
        description="In the plan's order; the first defined the type code"
    )
    updated_at: dt.datetime


class LicenceTypeDetail(LicenceTypeSummary):
    fields: list[LicenceFieldOut] = Field(
        description="GB/T 36903 metadata first, then the fields printed on the licence"
    )
