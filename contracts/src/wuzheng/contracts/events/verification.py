"""``verification.*``: emitted by the verification service for every recorded access."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from wuzheng.contracts import EventPayload, HolderCode
from wuzheng.contracts._licence import VerificationMode


class AccessKind(StrEnum):
    VERIFICATION = "verification"
    EVIDENCE_REQUEST = "evidence_request"


class VerificationCompleted(EventPayload):
    """One verification or evidence request, as the access record holds it.

    Holders see these in "who used my data"; the dispute service learns from them which
    departments used a licence version that was later corrected.
    """

    event_type = "verification.request.completed"

    record_id: str
    kind: AccessKind
    caller_department: str
    operator_id: str | None = None
    item_seq_no: int | None = None
    purpose: str
    holder: HolderCode
    licence_id: str | None = None
    type_code: str | None = None
    issuer_code: str | None = None
    result: str = Field(description="Outcome (valid, revoked, …) or an error type")
    mode: VerificationMode | None = None
    completed_at: datetime
    licence_ids: tuple[str, ...] = Field(
        default=(),
        description="Every licence the request used (an evidence request may use several)",
    )
    consent_id: str | None = Field(
        default=None,
        description="The consent an evidence request was answered under (a one-case consent "
        "is used up by it)",
    )
