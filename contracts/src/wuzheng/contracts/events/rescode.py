"""``rescode.*`` and ``consent.*``: emitted by the rescode service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from wuzheng.contracts import EventPayload, HolderCode


class ConsentScope(StrEnum):
    ONE_CASE = "one_case"  # 一事一授权: used up by the first evidence request
    WINDOW = "window"  # until valid_until


class CodeScanned(EventPayload):
    """A counter resolved a holder's code."""

    event_type = "rescode.code.scanned"

    code_id: str
    holder: HolderCode
    acting_holder: HolderCode | None = Field(
        default=None, description="Who showed the code when acting for the holder"
    )
    caller_department: str
    operator_id: str | None = None
    item_seq_no: int | None = None
    purpose: str
    consented: bool
    scanned_at: datetime


class AccessRecorded(EventPayload):
    """One use of a holder's data, for the app to notify the holder."""

    event_type = "rescode.access.recorded"

    holder: HolderCode
    source: str = Field(description="scan, verification or evidence_request")
    department: str
    item_seq_no: int | None = None
    purpose: str
    result: str
    at: datetime


class ConsentGranted(EventPayload):
    event_type = "consent.grant.granted"

    consent_id: str
    holder: HolderCode
    department: str
    item_seq_no: int | None = None
    licence_types: tuple[str, ...]
    scope: ConsentScope
    valid_until: datetime


class ConsentRevoked(EventPayload):
    event_type = "consent.grant.revoked"

    consent_id: str
    holder: HolderCode
    revoked_at: datetime
