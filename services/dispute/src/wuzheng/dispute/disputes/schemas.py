"""Request and response bodies of ``/v1/disputes``."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from wuzheng.contracts import HolderCode, LenientLicenceId, LicenceTypeCode
from wuzheng.web import RequestModel

MAX_EVIDENCE = 5
MAX_EVIDENCE_URI = 512
MAX_CORRECTIONS = 20
FIELD_KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"
OPERATOR_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"


class State(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PROCESSING = "processing"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES


OPEN_STATES = frozenset({State.SUBMITTED, State.ACCEPTED, State.PROCESSING})


class Action(StrEnum):
    ACCEPT = "accept"
    PROCESS = "process"
    RESOLVE = "resolve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


class Channel(StrEnum):
    APP = "app"  # 爱山东 app
    HALL = "hall"  # service hall counter
    WEBSITE = "website"
    HOTLINE = "hotline"  # 12345


class FiledAs(StrEnum):
    HOLDER = "holder"  # the holder, through the 爱山东 backend that authenticated them
    COUNTER = "counter"  # a counter clerk for the holder in front of them
    OPERATOR = "operator"  # staff who found the error (hotline, data checks)


class Kind(StrEnum):
    LICENCE = "licence"
    ITEM = "item"
    LICENCE_TYPE = "licence_type"


FieldKey = Annotated[
    str,
    Field(
        pattern=FIELD_KEY_PATTERN,
        description="The disputed field's key (a licence type's field, or an entry's attribute)",
        examples=["holder_name"],
    ),
]


class LicenceTarget(RequestModel):
    kind: Literal["licence"]
    licence_id: LenientLicenceId = Field(description="电子证照标识 of the disputed version")
    field: FieldKey


class ItemTarget(RequestModel):
    kind: Literal["item"]
    item_seq_no: int = Field(ge=1, le=2_147_483_647, description="序号 of the service item")
    field: FieldKey


class LicenceTypeTarget(RequestModel):
    kind: Literal["licence_type"]
    code: LicenceTypeCode
    field: FieldKey


Target = Annotated[LicenceTarget | ItemTarget | LicenceTypeTarget, Field(discriminator="kind")]


class EvidenceRef(RequestModel):
    """A reference to evidence held elsewhere (the service never stores the files)."""

    uri: str = Field(
        min_length=1, max_length=MAX_EVIDENCE_URI, examples=["https://files.example/1"]
    )
    media_type: str = Field(min_length=3, max_length=100, examples=["application/pdf"])
    size_bytes: int = Field(ge=1, le=2**40, description="Declared size of the file")
    name: str | None = Field(None, max_length=200)
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")


class DisputeIn(RequestModel):
    target: Target
    claimed_value: str = Field(
        min_length=1, max_length=1000, description="The value the filer says is correct"
    )
    description: str | None = Field(None, max_length=2000)
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=MAX_EVIDENCE)
    holder: HolderCode | None = Field(
        None,
        description="The holder the dispute is for; required when filed as holder or at a "
        "counter, and then it must be the licence's holder",
    )
    filed_as: FiledAs
    channel: Channel


class NoteIn(RequestModel):
    note: str | None = Field(None, max_length=2000)


class AcceptIn(NoteIn):
    assignee: str | None = Field(
        None, pattern=OPERATOR_PATTERN, description="Operator who handles it (default: caller)"
    )


CorrectionValue = Annotated[str, Field(max_length=1000)] | int | float | bool | None


class ResolveIn(RequestModel):
    note: str = Field(min_length=1, max_length=2000)
    corrections: dict[str, CorrectionValue] = Field(
        default_factory=dict,
        max_length=MAX_CORRECTIONS,
        description="Field key → corrected value; required for a licence dispute",
    )

    @field_validator("corrections")
    @classmethod
    def _keys(cls, value: dict[str, CorrectionValue]) -> dict[str, CorrectionValue]:
        bad = [key for key in value if not re.fullmatch(FIELD_KEY_PATTERN, key)]
        if bad:
            raise ValueError(f"not a field key: {', '.join(repr(key[:70]) for key in bad)}")
        return value


class RejectIn(RequestModel):
    reason: str = Field(min_length=1, max_length=2000)


class ActorOut(BaseModel):
    department: str | None
    operator: str | None


class TargetOut(BaseModel):
    kind: Kind
    ref: str
    licence_id: str | None = None
    item_seq_no: int | None = None
    licence_type_code: str | None = None


class HistoryEntry(BaseModel):
    at: dt.datetime
    kind: str = Field(description="transition, escalation, amended or propagated")
    action: str
    from_state: State | None
    to_state: State | None
    actor: ActorOut
    note: str | None
    details: dict[str, Any] | None


class SlaOut(BaseModel):
    accept_due_at: dt.datetime
    resolve_due_at: dt.datetime
    accepted_on_time: bool | None
    decided_on_time: bool | None
    overdue: list[Literal["accept", "resolve"]] = Field(description="Clocks breached now")
    accept_escalated_at: dt.datetime | None
    resolve_escalated_at: dt.datetime | None


class CorrectionOut(BaseModel):
    status: str | None = Field(description="pending (sent to the issuer), amended, propagated")
    corrections: dict[str, Any] | None
    new_licence_id: str | None
    amended_at: dt.datetime | None
    propagated_at: dt.datetime | None
    departments_told: list[str]


class EvidenceOut(BaseModel):
    uri: str
    media_type: str
    size_bytes: int
    name: str | None = None
    sha256: str | None = None


class DisputeOut(BaseModel):
    id: str
    state: State
    target: TargetOut
    field: str
    claimed_value: str
    description: str | None
    evidence: list[EvidenceOut]
    department: str = Field(description="The responsible department")
    holder: str | None = Field(description="Masked")
    filed_as: FiledAs
    channel: Channel
    filed_by: ActorOut
    filed_at: dt.datetime
    assignee: str | None
    accepted_at: dt.datetime | None
    processing_at: dt.datetime | None
    closed_at: dt.datetime | None
    sla: SlaOut
    resolution_note: str | None = Field(description="Resolution note or rejection reason")
    correction: CorrectionOut | None
    allowed_actions: list[Action] = Field(description="What this caller may do next")
    history: list[HistoryEntry] | None = Field(None, description="Every step (in the detail view)")


class DisputePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[DisputeOut]
