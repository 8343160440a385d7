"""``certificate.*`` payloads built from licence rows (facts only, no personal field values).

Every change stages its event with :meth:`IssuanceContext.emit` in the transaction that makes
it, so an event exists exactly when its change committed. The CloudEvents ``subject`` is the
licence identifier (the issuer code for issuer and status-list events).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wuzheng.contracts import CreditCode, HolderCode, LicenceId, LicenceStatus, LicenceTypeCode
from wuzheng.contracts.events.certificate import (
    LicenceAmended,
    LicenceIssued,
    LicenceSealAdded,
)
from wuzheng.issuance.licences.models import Licence


def facts(licence: Licence) -> dict[str, Any]:
    """The members every licence event shares."""
    return {
        "licence_id": LicenceId(licence.id),
        "licence_no": licence.licence_no,
        "type_code": LicenceTypeCode(licence.type_code),
        "type_name": licence.document["type"]["name"],
        "issuer_code": CreditCode(licence.issuer_code),
        "department": licence.department_code,
        "holder": HolderCode(licence.holder),
        "version": licence.version,
        "status": LicenceStatus(licence.status),
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "status_list_index": licence.status_list_index,
    }


def issued(licence: Licence, at: datetime) -> LicenceIssued:
    return LicenceIssued(**facts(licence), issued_at=at)


def seal_added(licence: Licence, department: str, present: list[str]) -> LicenceSealAdded:
    return LicenceSealAdded(
        **facts(licence),
        sealing_department=department,
        seals_present=tuple(present),
        seals_required=tuple(licence.seals_required),
    )


def amended(
    licence: Licence, changed: list[str], reason: str, dispute_id: str | None
) -> LicenceAmended:
    assert licence.previous_id is not None
    return LicenceAmended(
        **facts(licence),
        previous_licence_id=LicenceId(licence.previous_id),
        changed_fields=tuple(changed),
        reason=reason,
        dispute_id=dispute_id,
    )
