"""The verification service's expected failures, each an RFC 9457 problem with a stable type.

``result`` is what the access record stores for a request refused or failed this way.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from wuzheng.auth import InsufficientScope
from wuzheng.contracts.problems import (
    Forbidden,
    InvalidInput,
    NotFound,
    ProblemError,
    ServiceUnavailable,
)

__all__ = [
    "ConsentInvalid",
    "InvalidIdentifier",
    "IssuerAnswerInvalid",
    "IssuerRefused",
    "IssuerUnavailable",
    "NotEntitled",
    "UnknownIssuer",
    "UnknownItem",
    "VerificationProblem",
    "result_of",
]


class VerificationProblem(ProblemError):
    """A problem the access record names by ``result``."""

    result: ClassVar[str] = "error"


class NotEntitled(VerificationProblem, Forbidden):
    """The item the caller handles does not name this licence type among its materials."""

    slug = "not-entitled"
    title = "Not entitled to check this licence for this item"
    result = "refused:entitlement"


class ConsentInvalid(VerificationProblem, Forbidden):
    slug = "consent-invalid"
    title = "Consent token not usable"
    result = "refused:consent"


class UnknownItem(VerificationProblem, NotFound):
    slug = "unknown-item"
    title = "Unknown service item"
    result = "refused:unknown_item"


class UnknownIssuer(VerificationProblem, NotFound):
    slug = "unknown-issuer"
    title = "Unknown issuer"
    result = "refused:unknown_issuer"


class InvalidIdentifier(VerificationProblem, InvalidInput):
    """A licence identifier or QR payload that cannot be read; ``segment`` names the part."""

    slug = "invalid-licence-identifier"
    title = "Invalid licence identifier"
    result = "refused:invalid_identifier"

    def __init__(self, detail: str, *, segment: str, **extensions: Any) -> None:
        super().__init__(detail, segment=segment, **extensions)
        self.segment = segment


class IssuerUnavailable(VerificationProblem, ServiceUnavailable):
    """The issuer could not be reached (timeout, no responder, open circuit).

    ``retry_after``: seconds until the open circuit lets a trial through, answered as the
    ``Retry-After`` header (whole seconds, at least 1) and ``retry_after_seconds``."""

    slug = "issuer_unavailable"
    title = "Issuer unavailable"
    result = "failed:issuer_unavailable"

    def __init__(
        self, detail: str | None = None, *, retry_after: float | None = None, **extensions: Any
    ) -> None:
        if retry_after is not None:
            extensions["retry_after_seconds"] = round(retry_after, 1)
        super().__init__(detail, **extensions)
        self.headers = (
            {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after is not None else {}
        )


class IssuerAnswerInvalid(VerificationProblem):
    """The issuer's answer does not verify (signature, key, nonce, issuer, time): never
    passed on."""

    status = 502
    slug = "issuer-answer-invalid"
    title = "Issuer answer failed verification"
    result = "failed:answer_invalid"


class IssuerRefused(VerificationProblem):
    """The issuer answered our request with a problem of its own."""

    status = 502
    slug = "issuer-refused"
    title = "The issuer refused the request"
    result = "failed:issuer_refused"


def result_of(problem: ProblemError) -> str:
    """What the access record stores for ``problem``."""
    if isinstance(problem, VerificationProblem):
        return problem.result
    if isinstance(problem, InsufficientScope):
        return "refused:scope"
    return f"error:{problem.slug}"
