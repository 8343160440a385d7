"""``dispute.*``: emitted by the dispute service (异议投诉)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from wuzheng.contracts import EventPayload, HolderCode


class DisputeOutcome(StrEnum):
    RESOLVED = "resolved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class DisputeOpened(EventPayload):
    """A licence (or catalog entry) is under objection until the matching close."""

    event_type = "dispute.case.opened"

    dispute_id: str
    department: str = Field(description="The responsible department")
    licence_id: str | None = None
    catalog_ref: str | None = Field(default=None, description="e.g. item:501")
    holder: HolderCode | None = None
    field: str | None = None
    opened_at: datetime


class DisputeClosed(EventPayload):
    event_type = "dispute.case.closed"

    dispute_id: str
    licence_id: str | None = None
    outcome: DisputeOutcome
    closed_at: datetime


class DisputeResolved(EventPayload):
    """Resolved with a correction: the issuer amends the licence."""

    event_type = "dispute.case.resolved"

    dispute_id: str
    licence_id: str
    issuer_code: str
    department: str
    corrections: dict[str, Any] = Field(description="Field key → corrected value")
    note: str
    resolved_at: datetime


class DisputeEscalated(EventPayload):
    """An SLA clock ran out (accept or resolve) without the step being taken."""

    event_type = "dispute.case.escalated"

    dispute_id: str
    department: str
    clock: str = Field(description="accept or resolve")
    due_at: datetime
    escalated_at: datetime


class CorrectionPropagated(EventPayload):
    """Every department that verified the old version has been told of the new one."""

    event_type = "dispute.correction.propagated"

    dispute_id: str
    old_licence_id: str
    new_licence_id: str
    departments: tuple[str, ...]
    changed_fields: tuple[str, ...] = Field(
        default=(), description="Fields the amendment changed (empty when not known)"
    )
    propagated_at: datetime
