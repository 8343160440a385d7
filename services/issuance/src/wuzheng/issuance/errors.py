"""The issuance service's expected failures, each an RFC 9457 problem with a stable ``type``.

Bad input is 422 with an ``errors`` list of ``{"field", "message", "type"}`` — the shape the
web kit gives pydantic's validation errors, so clients read one format. A department acting
outside its remit is 403; a request the licence's current state forbids is 409 naming that
state.
"""

from __future__ import annotations

from wuzheng.contracts.problems import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from wuzheng.contracts.problems import invalid_fields as invalid

__all__ = [
    "AlreadySealed",
    "FieldError",
    "IdempotencyKeyReused",
    "IllegalTransition",
    "InvalidInput",
    "LicenceNoTaken",
    "NoDepartment",
    "NotFound",
    "NotIssuedHere",
    "NotYourIssuer",
    "NotYourLicence",
    "SealsIncomplete",
    "invalid",
]


class IllegalTransition(Conflict):
    """The licence's current status does not allow the change (``current_status`` says which)."""

    slug = "illegal-transition"
    title = "Not allowed in the licence's current status"


class IdempotencyKeyReused(Conflict):
    slug = "idempotency-key-reused"
    title = "Idempotency key already used for a different request"


class LicenceNoTaken(Conflict):
    slug = "licence-no-taken"
    title = "证照编号 already used"


class AlreadySealed(Conflict):
    slug = "already-sealed"
    title = "This department has already sealed the licence"


class SealsIncomplete(Conflict):
    slug = "seals-incomplete"
    title = "The licence still lacks required seals"


class NoDepartment(Forbidden):
    slug = "no-department"
    title = "The caller acts for no known department"


class NotIssuedHere(Forbidden):
    slug = "not-an-issuer"
    title = "The caller's department does not issue this licence type"


class NotYourIssuer(Forbidden):
    slug = "not-your-issuer"
    title = "The issuer code belongs to another department"


class NotYourLicence(Forbidden):
    slug = "not-your-licence"
    title = "The licence belongs to another department"
