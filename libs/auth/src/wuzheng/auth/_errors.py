from __future__ import annotations

from collections.abc import Iterable

from wuzheng.contracts.problems import Forbidden, ServiceUnavailable, Unauthenticated

REALM = "wuzheng"


def _challenge(**params: str) -> str:
    """A ``WWW-Authenticate: Bearer`` challenge (RFC 6750 §3); values must not contain quotes."""
    return "Bearer " + ", ".join(
        f'{key}="{value}"' for key, value in {"realm": REALM, **params}.items()
    )


class InvalidToken(Unauthenticated):
    """No usable bearer token: missing, malformed, expired, untrusted or badly signed.

    ``headers`` carries the RFC 6750 challenge; the web kit adds it to the 401 response.
    """

    def __init__(self, detail: str, *, missing: bool = False) -> None:
        super().__init__(detail)
        # A request without credentials gets a bare challenge; a bad token gets an error code.
        challenge = (
            _challenge() if missing else _challenge(error="invalid_token", error_description=detail)
        )
        self.headers = {"WWW-Authenticate": challenge}


class InsufficientScope(Forbidden):
    """A valid token that lacks a scope the endpoint needs (403, naming the missing scopes)."""

    def __init__(self, missing: Iterable[str]) -> None:
        names = sorted(missing)
        super().__init__(f"the token lacks the scope(s): {', '.join(names)}", missing_scopes=names)
        self.headers = {
            "WWW-Authenticate": _challenge(error="insufficient_scope", scope=" ".join(names))
        }


class KeysUnavailable(ServiceUnavailable):
    """The token issuer's keys cannot be loaded: our problem, not the caller's (503)."""

    def __init__(self) -> None:
        super().__init__("the token signing keys are unavailable; try again shortly")
        self.headers = {"Retry-After": "5"}
