"""Request and response bodies of ``/v1/evidence-requests``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from wuzheng.contracts import HolderCode, VerificationMode, VerificationOutcome
from wuzheng.verification.verifications.schemas import OfflineCheck
from wuzheng.web import RequestModel

MaterialStatus = Literal[
    "not_needed",  # 直接取消: the proof was abolished
    "commitment",  # 告知承诺: the applicant signs the commitment text
    "department_check",  # 数据共享 / 部门核验: the providing department checks it
    "licence",  # 电子证照: found and verified with its issuer (or, when allowed, offline)
    "submit",  # must be submitted (paper, no licence found, not valid, issuer unreachable)
    "consent_required",  # needs the holder's consent, which the request does not carry
]


class EvidenceIn(RequestModel):
    item_seq_no: int = Field(ge=1, le=2_147_483_647, description="The service item")
    holder: HolderCode = Field(description="The applicant (holder code)")
    consent_token: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="The holder's consent (授权) from rescode: its consent id. Without it only "
        "what needs no consent is resolved",
    )
    purpose: str = Field(min_length=1, max_length=200)
    operator_id: str | None = Field(default=None, min_length=1, max_length=64)
    allow_offline: bool = Field(
        default=False,
        description="When a licence's issuer cannot be reached, check the licence against the "
        "issuer's cached keys and latest status list instead (needs a sealed copy kept from an "
        "earlier QR verification); such a material says mode offline, with the list's age "
        "and why the issuer was not asked",
    )


class LicenceEvidence(BaseModel):
    licence_id: str
    issuer_code: str
    type_code: str
    type_name: str | None = None
    outcome: VerificationOutcome
    mode: VerificationMode
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="Form field → value, for the fields the form needs (online answers only: "
        "an offline check has no field values to give)",
    )
    unmapped_fields: list[str] = Field(
        default_factory=list,
        description="Form fields of this material the field library maps to no licence field",
    )
    kid: str = Field(description="Key the answer (offline: the sealed licence) verified with")
    signed_answer: str | None = Field(default=None, description="Online: the issuer's JWS")
    offline: OfflineCheck | None = Field(
        default=None,
        description="Offline: why the issuer was not asked, the status list used and its age",
    )


class MaterialEvidence(BaseModel):
    position: int
    name: str
    mode: str
    status: MaterialStatus
    reason: str | None = Field(
        default=None,
        description="Why it is not resolved: paper, no_licence, unknown_issuer, "
        "issuer_unavailable, the licence's outcome (revoked…), issuer-refused…",
    )
    detail: str | None = Field(
        default=None,
        description="The reason in words: for issuer_unavailable why the issuer could not be "
        "reached and, with allow_offline, why no offline check was possible",
    )
    legal_basis: str | None = None
    commitment_text: str | None = None
    provider_department: str | None = None
    licence_type: str | None = None
    licence: LicenceEvidence | None = None


class ConsentUsed(BaseModel):
    consent_id: str
    scope: str
    licence_types: list[str]


class EvidenceSummary(BaseModel):
    materials: int
    resolved: int = Field(description="Satisfied without the applicant submitting anything")
    to_submit: int
    consent_required: int
    nothing_to_submit: bool


class EvidenceOut(BaseModel):
    record_id: str
    item_seq_no: int
    item_name: str | None
    holder: str = Field(description="The holder code, masked")
    consent: ConsentUsed | None
    materials: list[MaterialEvidence]
    summary: EvidenceSummary
    checked_at: datetime
