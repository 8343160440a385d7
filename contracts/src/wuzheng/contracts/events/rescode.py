"""``rescode.*`` and ``consent.*``: emitted by the rescode service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from wuzheng.contracts import EventPayload, HolderCode


class ConsentScope(StrEnum):
    ONE_CASE = "one_case"  # 一事一授权: used up by the first evidence request or scan
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
    mandate_id: str | None = Field(
        default=None, description="The mandate under which acting_holder acted"
    )
    consent_id: str | None = Field(default=None, description="The consent the scan used")
    licence_types: tuple[str, ...] = Field(
        default=(), description="Licence types whose licences the counter was shown"
    )


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
    record_id: str | None = Field(
        default=None, description="Id of the entry in the holder's access log"
    )
    reference: str | None = Field(
        default=None,
        description="The code id of a scan, the verification record id otherwise",
    )
    operator_id: str | None = None


class ConsentGranted(EventPayload):
    event_type = "consent.grant.granted"

    consent_id: str
    holder: HolderCode
    department: str
    item_seq_no: int | None = None
    licence_types: tuple[str, ...]
    scope: ConsentScope
    valid_until: datetime
    granted_at: datetime | None = None


class ConsentRevoked(EventPayload):
    event_type = "consent.grant.revoked"

    consent_id: str
    holder: HolderCode
    revoked_at: datetime


class ConsentConsumed(EventPayload):
    """A one-case consent (一事一授权) was used up by a scan at a counter: it no longer
    admits an evidence request."""

    event_type = "consent.grant.consumed"

    consent_id: str
    holder: HolderCode
    consumed_by: str = Field(description="scan or evidence_request")
    department: str
    item_seq_no: int | None = None
    reference: str | None = Field(default=None, description="The code id of the scan")
    consumed_at: datetime
