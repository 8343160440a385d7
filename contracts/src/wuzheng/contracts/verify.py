"""The issuer-side verification protocol ("谁制发、谁核验").

The verification service sends an :class:`IssuerVerifyRequest` to the issuer — over NATS
request-reply on ``verify.<issuer_code>`` for in-mesh issuers, or ``POST
/v1/issuers/{issuer_code}/verify`` for a department running its own service — and gets an
:class:`IssuerVerifyReply`: the issuer's answer as a compact JWS signed with its seal key
(published at ``/v1/issuers/{issuer_code}/jwks.json``), whose payload is an
:class:`IssuerAnswer`. The verification service checks that signature before passing the
answer on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wuzheng.contracts._identifiers import CreditCode, HolderCode
from wuzheng.contracts._licence import LicenceStatus, VerificationOutcome
from wuzheng.contracts._licence_id import LenientLicenceId, LicenceTypeCode

ANSWER_JWS_TYPE = "wuzheng-verify-answer+jwt"


class IssuerVerifyRequest(BaseModel):
    """What a verifier asks an issuer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer_code: CreditCode
    licence_id: LenientLicenceId | None = Field(
        default=None, description="GB/T 36904 identifier; or give licence_no + type_code"
    )
    licence_no: str | None = Field(default=None, max_length=64, description="证照编号")
    type_code: LicenceTypeCode | None = None
    holder: HolderCode = Field(description="The holder code the caller was shown")
    purpose: str = Field(min_length=1, max_length=200)
    item_seq_no: int | None = Field(default=None, description="Service item being handled")
    caller_department: str = Field(min_length=1, max_length=64)
    operator_id: str | None = Field(default=None, max_length=64)
    fields: tuple[str, ...] = Field(
        default=(), description="Licence fields the caller's purpose allows it to receive"
    )
    nonce: str = Field(min_length=8, max_length=64, description="Echoed in the signed answer")

    @model_validator(mode="after")
    def _identified(self) -> IssuerVerifyRequest:
        if self.licence_id is None and not (self.licence_no and self.type_code):
            raise ValueError("give licence_id, or licence_no together with type_code")
        return self


class IssuerAnswer(BaseModel):
    """The payload of the issuer's signed answer."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    iss: CreditCode = Field(description="The issuer answering")
    outcome: VerificationOutcome
    licence_id: str | None = Field(default=None, description="As the issuer knows it")
    current_licence_id: str | None = Field(
        default=None, description="When superseded: the identifier of the current version"
    )
    type_code: str | None = None
    status: LicenceStatus | None = None
    under_objection: bool = Field(default=False, description="An objection is open on it")
    valid_from: str | None = None
    valid_until: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    nonce: str
    answered_at: datetime


class IssuerVerifyReply(BaseModel):
    """The reply on the wire: the signed answer, or a problem."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    answer: str | None = Field(default=None, description="Compact JWS of an IssuerAnswer")
    problem: dict[str, Any] | None = None
