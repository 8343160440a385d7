"""Request and response bodies of the licence endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, Field

from wuzheng.contracts import (
    CreditCode,
    HolderCode,
    LicenceId,
    LicenceStatus,
    LicenceTypeCode,
    RevocationKind,
)
from wuzheng.web import RequestModel

MAX_BATCH = 1000

LicenceIdPath = Annotated[
    LicenceId, Path(description="电子证照标识 (GB/T 36904), strict check character")
]
HolderPath = Annotated[
    HolderCode, Path(description="'111:<公民身份号码>' or '001:<统一社会信用代码>'")
]

Reason = Annotated[
    str, Field(min_length=1, max_length=500, description="Why (kept in the history)")
]


class IssueRequest(RequestModel):
    """Issue a licence of ``type_code`` to ``holder`` as the caller's department."""

    type_code: LicenceTypeCode
    holder: HolderCode = Field(
        description="持证主体: '111:<公民身份号码>' or '001:<统一社会信用代码>'"
    )
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="Licence fields by key, per the type's schema in the catalog; the "
        "metadata the issuer fills in (licence_number, issue_date, holder_code …) may not "
        "be given",
    )
    valid_from: date = Field(description="有效期起始")
    valid_until: date | None = Field(default=None, description="有效期截止; none: no end")
    licence_no: str | None = Field(
        default=None,
        pattern=r"^\S{1,64}$",
        description="证照编号, when the paper licence already has one; assigned otherwise",
    )
    issuer_code: CreditCode | None = Field(
        default=None, description="The issuing department's USCC, if the caller states it"
    )
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Or the Idempotency-Key header: the same key again answers with the "
        "same licence",
    )


class BatchRequest(RequestModel):
    items: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"Up to {MAX_BATCH} IssueRequest objects, each with its own "
        "idempotency_key; each is issued or refused on its own",
    )


class BatchItemResult(BaseModel):
    index: int
    outcome: Literal["issued", "replayed", "failed"]
    licence_id: str | None = None
    status: LicenceStatus | None = None
    problem: dict[str, Any] | None = Field(default=None, description="RFC 9457, when failed")


class BatchReport(BaseModel):
    issued: int
    replayed: int
    failed: int
    items: list[BatchItemResult]


class AmendRequest(RequestModel):
    """Changes for a new version: fields to set (``null`` removes an optional one) and/or
    new validity dates (``valid_until: null`` removes the end date)."""

    fields: dict[str, Any] = Field(default_factory=dict)
    valid_from: date | None = None
    valid_until: date | None = None
    reason: Reason


class StatusChangeRequest(RequestModel):
    reason: Reason


class RevokeRequest(RequestModel):
    reason: Reason
    kind: RevocationKind = Field(description="annulled (撤销, issued in error) or penalty (吊销)")


class SealOut(BaseModel):
    department: str
    issuer_code: str
    kid: str
    jws: str = Field(description="Compact JWS; verify with the issuer's jwks.json")
    sealed_at: datetime


class StatusListRef(BaseModel):
    idx: int
    uri: str


class LicenceOut(BaseModel):
    licence_id: str
    licence_no: str
    version: int
    type_code: str
    type_name: str
    issuer_code: str
    issuer_name: str
    department: str
    holder: str
    status: LicenceStatus
    gbt_status_code: str | None = Field(description="GB/T 36903 status code (01 有效 …)")
    revocation: RevocationKind | None
    valid_from: date
    valid_until: date | None
    issued_on: date
    fields: dict[str, Any]
    seals_required: list[str]
    seals: list[SealOut]
    seal: str | None = Field(description="The issuing department's seal (compact JWS)")
    status_list: StatusListRef
    previous_licence_id: str | None
    superseded_by: str | None
    under_objection: bool
    created_at: datetime
    issued_at: datetime | None
    updated_at: datetime


class LicenceSummary(BaseModel):
    licence_id: str
    licence_no: str
    version: int
    type_code: str
    type_name: str
    issuer_code: str
    department: str
    status: LicenceStatus
    valid_from: date
    valid_until: date | None


class HistoryEntryOut(BaseModel):
    at: datetime
    action: str
    from_status: LicenceStatus | None
    to_status: LicenceStatus
    actor: str = Field(description="<department>/<operator>")
    reason: str
    dispute_id: str | None
    details: dict[str, Any]


class HistoryOut(BaseModel):
    licence_id: str
    entries: list[HistoryEntryOut]


class QrOut(BaseModel):
    licence_id: str
    payload: str = Field(description="The QR text: 'WZ1:' + Base45(zlib(compact JWS))")
    svg: str
    jwks_uri: str
    status_list_uri: str
