"""``certificate.*``: emitted by the issuance service about licences and issuers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from wuzheng.contracts import CreditCode, EventPayload, HolderCode, LicenceId, LicenceTypeCode
from wuzheng.contracts._licence import LicenceStatus, RevocationKind


class _LicenceFacts(EventPayload):
    """What every licence event says about the licence (no personal field values)."""

    licence_id: LicenceId
    licence_no: str = Field(description="证照编号")
    type_code: LicenceTypeCode
    type_name: str
    issuer_code: CreditCode
    department: str = Field(description="Catalog code of the issuing department")
    holder: HolderCode
    version: int = Field(ge=0, le=999)
    status: LicenceStatus
    valid_from: date
    valid_until: date | None = None
    status_list_index: int | None = Field(
        default=None, ge=0, description="Position in the issuer's status list"
    )


class LicenceIssued(_LicenceFacts):
    """A licence became valid (after every required seal, for joint seals)."""

    event_type = "certificate.licence.issued"
    issued_at: datetime


class LicenceSealAdded(_LicenceFacts):
    """One department added its seal to a jointly sealed licence."""

    event_type = "certificate.licence.seal_added"
    sealing_department: str
    seals_present: tuple[str, ...]
    seals_required: tuple[str, ...]


class LicenceAmended(_LicenceFacts):
    """A new version replaced ``previous_licence_id`` (now superseded)."""

    event_type = "certificate.licence.amended"
    previous_licence_id: LicenceId
    changed_fields: tuple[str, ...]
    reason: str
    dispute_id: str | None = Field(default=None, description="When a dispute asked for it")


class _StatusChange(_LicenceFacts):
    previous_status: LicenceStatus
    reason: str
    actor: str = Field(description="Department code and operator id that made the change")
    changed_at: datetime


class LicenceSuspended(_StatusChange):
    event_type = "certificate.licence.suspended"


class LicenceReinstated(_StatusChange):
    event_type = "certificate.licence.reinstated"


class LicenceRevoked(_StatusChange):
    event_type = "certificate.licence.revoked"
    revocation: RevocationKind


class LicenceCancelled(_StatusChange):
    event_type = "certificate.licence.cancelled"


class LicenceExpired(_StatusChange):
    event_type = "certificate.licence.expired"


class IssuerServed(EventPayload):
    """The issuance service answers for this issuer: where to verify, and its keys."""

    event_type = "certificate.issuer.served"

    issuer_code: CreditCode
    department: str
    verify_subject: str = Field(description="NATS subject, verify.<issuer_code>")
    jwks: dict[str, Any] = Field(description="Every public seal key, retired ones included")


class StatusListPublished(EventPayload):
    """A fresh signed status list of one issuer, for offline checks."""

    event_type = "certificate.status_list.published"

    issuer_code: CreditCode
    token: str = Field(description="Signed status list token (statuslist+jwt)")
    issued_at: datetime
