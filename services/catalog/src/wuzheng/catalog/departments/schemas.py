"""API models of departments."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, Field

from wuzheng.catalog.data.models import DepartmentKind
from wuzheng.contracts import CreditCode, LicenceTypeCode
from wuzheng.web import RequestModel

DEPARTMENT_CODE_PATTERN = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
DEPARTMENT_CODE_RE = re.compile(DEPARTMENT_CODE_PATTERN)

DepartmentCodePath = Annotated[
    str,
    Path(
        min_length=2,
        max_length=64,
        pattern=DEPARTMENT_CODE_PATTERN,
        description="Department code: a lower-case ASCII slug such as public-security",
        examples=["public-security"],
    ),
]


class DepartmentOut(BaseModel):
    code: str = Field(examples=["public-security"])
    name: str = Field(examples=["安丘市公安局"])
    aliases: list[str] = Field(description="Spellings used for it in the plan")
    kind: DepartmentKind
    issuer_code: str = Field(description="USCC (GB 32100) it issues licences under")
    issuer_code_placeholder: bool = Field(
        description="True while issuer_code is the generated placeholder, not the real USCC"
    )
    updated_at: dt.datetime


class LicenceTypeRef(BaseModel):
    code: str
    name: str


class DepartmentDetail(DepartmentOut):
    item_count: int = Field(description="Service items of the department")
    licence_types: list[LicenceTypeRef] = Field(description="Licence types it issues")


class DepartmentIn(RequestModel):
    """The complete new state of a department (PUT replaces it, or creates it)."""

    name: str = Field(min_length=1, max_length=200)
    aliases: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=50,
        description="Other spellings of the name; the name itself when empty",
    )
    kind: DepartmentKind
    issuer_code: CreditCode
    issuer_code_placeholder: bool = Field(
        default=False,
        description="Leave false when giving the department's real USCC",
    )


__all__ = [
    "DEPARTMENT_CODE_PATTERN",
    "DepartmentCodePath",
    "DepartmentDetail",
    "DepartmentIn",
    "DepartmentOut",
    "LicenceTypeCode",
    "LicenceTypeRef",
]
