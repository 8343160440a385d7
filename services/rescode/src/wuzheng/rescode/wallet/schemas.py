"""API models of the wallet."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from wuzheng.contracts import LicenceStatus
from wuzheng.rescode.common import HolderOut

STATUS_LABELS = {
    LicenceStatus.PENDING_SEALS: "待签章",
    LicenceStatus.VALID: "有效",
    LicenceStatus.SUSPENDED: "暂扣",
    LicenceStatus.REVOKED: "撤销",
    LicenceStatus.CANCELLED: "注销",
    LicenceStatus.EXPIRED: "失效",
    LicenceStatus.SUPERSEDED: "已更新",
}


class Seals(BaseModel):
    present: list[str] = Field(description="Departments that sealed so far")
    required: list[str] = Field(description="Departments whose seal the licence needs")


class WalletLicenceOut(BaseModel):
    licence_id: str = Field(description="电子证照标识 (GB/T 36904)")
    licence_no: str = Field(description="证照编号")
    type_code: str
    type_name: str
    issuer_code: str
    department: str
    department_name: str | None
    version: int
    status: LicenceStatus = Field(
        description="superseded when a newer version replaced it (the event's status otherwise)"
    )
    status_label: str = Field(examples=["有效"])
    gbt_status_code: str | None = Field(description="GB/T 36903 status code (01 有效 …)")
    revocation: str | None = Field(description="annulled (撤销) or penalty (吊销)")
    valid_from: date
    valid_until: date | None
    issued_at: datetime | None
    status_changed_at: datetime | None
    superseded_by: str | None
    under_objection: bool = Field(description="An objection (异议) about it is open")
    objections: list[str] = Field(description="Ids of the open disputes about it")
    seals: Seals | None = Field(description="While a jointly sealed licence waits for seals")
    updated_at: datetime = Field(description="When the wallet last changed this licence")


class Wallet(BaseModel):
    holder: HolderOut
    licences: list[WalletLicenceOut]
