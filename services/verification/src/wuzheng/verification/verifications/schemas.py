"""Request and response bodies of ``/v1/verifications``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, model_validator

from wuzheng.contracts import HolderCode, VerificationMode, VerificationOutcome
from wuzheng.contracts.verify import IssuerAnswer
from wuzheng.web import RequestModel

MAX_BATCH = 100


class VerifyIn(RequestModel):
    """One licence to verify: its identifier or its scanned QR form, and the context."""

    licence_id: str | None = Field(
        default=None,
        max_length=200,
        description="GB/T 36904 licence identifier; a wrong check character is a warning",
        examples=["1.2.156.3005.2.11370784PH3724083H001.11370784PH3724083H.2024000123.001.K"],
    )
    qr: str | None = Field(
        default=None,
        max_length=8000,
        description="The licence's compact QR form as scanned (WZ1: + Base45 of the sealed "
        "licence); allows an offline check when the issuer cannot be reached",
    )
    holder: HolderCode = Field(description="The holder code the caller was shown")
    item_seq_no: int = Field(ge=1, le=2_147_483_647, description="The service item handled")
    purpose: str = Field(min_length=1, max_length=200)
    operator_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The operator at the counter (default: the token's op claim)",
    )
    allow_offline: bool = Field(
        default=False,
        description="When the issuer cannot be reached, check against its cached keys and "
        "latest status list instead of failing (the answer says so, with the list's age)",
    )

    @model_validator(mode="after")
    def _one_identifier(self) -> Self:
        if (self.licence_id is None) == (self.qr is None):
            raise ValueError("give exactly one of licence_id and qr")
        return self


class VerifyBatchIn(RequestModel):
    items: list[VerifyIn] = Field(min_length=1, max_length=MAX_BATCH)


class OfflineCheck(BaseModel):
    """How an offline answer was reached."""

    reason: str = Field(description="Why the issuer was not asked")
    signed_licence: Literal["qr", "cache"] = Field(description="Where the sealed licence came from")
    kid: str = Field(description="The issuer key that sealed it")
    list_status: Literal["valid", "invalid", "suspended", "superseded"]
    status_list_issued_at: datetime
    status_list_age_seconds: float
    valid_from: str | None = None
    valid_until: str | None = None


class Verification(BaseModel):
    """The verification's result. Online: the issuer's signed answer, checked. Offline: a
    check against cached keys and the status list, labelled with the list's age."""

    record_id: str = Field(description="The access record of this verification")
    mode: VerificationMode
    outcome: VerificationOutcome
    licence_id: str
    issuer_code: str
    type_code: str
    type_name: str | None = None
    holder: str = Field(description="The holder code, masked")
    item_seq_no: int
    warnings: list[str] = Field(default_factory=list)
    answer: IssuerAnswer | None = Field(
        default=None, description="Online: the issuer's answer (its signed payload)"
    )
    signed_answer: str | None = Field(
        default=None, description="Online: the issuer's compact JWS, to keep or re-check"
    )
    kid: str = Field(description="Key the answer (or the sealed licence) verified with")
    offline: OfflineCheck | None = None
    checked_at: datetime


class BatchResult(BaseModel):
    index: int
    status: int
    verification: Verification | None = None
    problem: dict[str, Any] | None = None


class BatchOut(BaseModel):
    results: list[BatchResult]
    succeeded: int
    failed: int
