"""The dispute service's expected failures, each an RFC 9457 problem with a stable ``type``.

A dispute or licence the caller may not know about is 404; a licence that is not the
holder's, or a dispute another department is responsible for, is 403; a step the
dispute's state does not allow is 409 naming the state; bad input is 422 with an
``errors`` list of ``{"field", "message", "type"}`` (the web kit's shape for pydantic
errors, so clients read one format).
"""

from __future__ import annotations

from wuzheng.contracts.problems import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from wuzheng.contracts.problems import invalid_fields as invalid

__all__ = [
    "DisputeAlreadyOpen",
    "FieldError",
    "Forbidden",
    "IllegalTransition",
    "InvalidInput",
    "LicenceSuperseded",
    "NotFound",
    "NotHoldersLicence",
    "NotResponsible",
    "invalid",
]


class IllegalTransition(Conflict):
    """The dispute's current state does not allow this step."""

    slug = "illegal-transition"
    title = "Illegal transition"


class DisputeAlreadyOpen(Conflict):
    """An open dispute about the same licence field already exists."""

    slug = "dispute-already-open"
    title = "A dispute about this field is already open"


class LicenceSuperseded(Conflict):
    """The licence was replaced by a newer version: dispute the current one."""

    slug = "licence-superseded"
    title = "Licence superseded"


class NotHoldersLicence(Forbidden):
    """The holder named by the caller is not the licence's holder."""

    slug = "not-holders-licence"
    title = "Not the holder's licence"


class NotResponsible(Forbidden):
    """Only the responsible department handles a dispute."""

    slug = "not-responsible-department"
    title = "Not the responsible department"
