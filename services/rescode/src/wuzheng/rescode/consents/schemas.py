"""API models of consents."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from wuzheng.contracts import HolderCode, LicenceTypeCode
from wuzheng.contracts.events.rescode import ConsentScope
from wuzheng.rescode.common import DepartmentCode, HolderOut, ItemSeqNo
from wuzheng.web import RequestModel

ConsentState = Literal["active", "consumed", "revoked", "expired"]


class ConsentIn(RequestModel):
    holder: HolderCode = Field(description="Who consents (authenticated by the 爱山东 backend)")
    department: DepartmentCode = Field(description="The department allowed to see the licences")
    item_seq_no: ItemSeqNo | None = Field(
        default=None,
        description="The service item; null = any item of the department. With an item, "
        "every licence type must be one its materials name (data minimisation).",
    )
    licence_types: list[LicenceTypeCode] = Field(min_length=1, max_length=50)
    scope: ConsentScope = Field(
        default=ConsentScope.ONE_CASE,
        description="one_case (一事一授权): used up by the first evidence request or scan "
        "that uses it; window: until valid_until",
    )
    valid_until: AwareDatetime | None = Field(
        default=None,
        description="Required for window; for one_case defaults to RESCODE_ONE_CASE_CONSENT_HOURS",
    )
    purpose: str | None = Field(default=None, min_length=1, max_length=200)


class LicenceTypeRef(BaseModel):
    code: str
    name: str | None


class ConsentOut(BaseModel):
    consent_id: str = Field(description="The consent token an evidence request names")
    holder: HolderOut
    department: str
    department_name: str | None
    item_seq_no: int | None
    item_name: str | None
    licence_types: list[LicenceTypeRef]
    scope: ConsentScope
    purpose: str | None
    granted_at: datetime
    valid_until: datetime
    state: ConsentState
    revoked_at: datetime | None
    consumed_at: datetime | None
    consumed_by: str | None = Field(description="scan or evidence_request")


class ConsentList(BaseModel):
    holder: HolderOut
    consents: list[ConsentOut]
