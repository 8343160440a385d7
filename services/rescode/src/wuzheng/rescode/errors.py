"""The rescode service's expected failures, each an RFC 9457 problem with a stable ``type``.

A refused code always says why, so the counter can tell the holder what to do:

=================  ======  =====================================================
``code-invalid``   400     not a code of ours: malformed, wrong check digit, bad or
                           unknown signature (forged or altered), no such code
``code-expired``   410     past its lifetime, or replaced by a newer code
``code-used``      409     already resolved once (codes are single-use)
``rate-limited``   429     too many resolve attempts (``Retry-After`` says when)
=================  ======  =====================================================
"""

from __future__ import annotations

import math

from wuzheng.contracts.problems import Conflict, Forbidden, ProblemError

__all__ = [
    "CodeExpired",
    "CodeInvalid",
    "CodeUsed",
    "ConsentClosed",
    "MandateNotApplicable",
    "MandateRequired",
    "RateLimited",
]


class CodeInvalid(ProblemError):
    """Not a code this service issued (or no longer knows): never resolvable."""

    status = 400
    slug = "code-invalid"
    title = "Invalid code"


class CodeExpired(ProblemError):
    """A real code past its lifetime or replaced by a newer one: ask for a fresh code."""

    status = 410
    slug = "code-expired"
    title = "Code expired"


class CodeUsed(ProblemError):
    """The code was already resolved: each code is shown once."""

    status = 409
    slug = "code-used"
    title = "Code already used"


class RateLimited(ProblemError):
    status = 429
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(detail, retry_after=seconds)
        self.headers = {"Retry-After": str(seconds)}


class MandateRequired(Forbidden):
    """An agent acts for a holder without an active mandate covering the action."""

    slug = "mandate-required"
    title = "No applicable mandate"


class MandateNotApplicable(Forbidden):
    """The mandate a code was issued under no longer covers this use."""

    slug = "mandate-not-applicable"
    title = "Mandate does not cover this use"


class ConsentClosed(Conflict):
    """The consent was already used up or has expired: it cannot be revoked any more."""

    slug = "consent-closed"
    title = "Consent no longer open"
