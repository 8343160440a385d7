"""Types shared by the rescode API: holders as shown, departments, items, relations."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from wuzheng.contracts import HolderCode

__all__ = [
    "DEPARTMENT_CODE_PATTERN",
    "DepartmentCode",
    "HolderOut",
    "ItemSeqNo",
    "Relation",
    "holder_out",
]

DEPARTMENT_CODE_PATTERN = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
DepartmentCode = Annotated[
    str,
    Field(
        pattern=DEPARTMENT_CODE_PATTERN,
        max_length=64,
        description="Catalog code of a department",
        examples=["public-security"],
    ),
]
ItemSeqNo = Annotated[int, Field(ge=1, le=2_147_483_647, description="序号 of the service item")]


class Relation(StrEnum):
    """How an agent is entitled to act for a principal."""

    FAMILY = "family"  # 代办: a family member acting for a person
    GUARDIAN = "guardian"  # 监护: a guardian acting for a minor or a ward
    COMPANY_STAFF = "company_staff"  # 企业经办人: a person acting for an organisation

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def for_organisations(self) -> bool:
        return self is Relation.COMPANY_STAFF


_LABELS = {
    Relation.FAMILY: "代办",
    Relation.GUARDIAN: "监护",
    Relation.COMPANY_STAFF: "企业经办人",
}


class HolderOut(BaseModel):
    """A holder as shown to a caller. A resident ID number is masked unless the caller's
    scope needs it; an organisation's credit code is public (营业执照) and shown whole."""

    code: str = Field(description="Holder code '<type>:<code>', masked when `masked`")
    kind: Literal["person", "organisation"]
    masked: bool


def holder_out(holder: HolderCode, *, full: bool = False) -> HolderOut:
    if not holder.is_person:
        return HolderOut(code=str(holder), kind="organisation", masked=False)
    if full:
        return HolderOut(code=str(holder), kind="person", masked=False)
    return HolderOut(code=holder.masked(), kind="person", masked=True)


def shown(holder: HolderCode) -> str:
    """The holder code for a label: masked for a person, whole for an organisation."""
    return holder_out(holder).code
