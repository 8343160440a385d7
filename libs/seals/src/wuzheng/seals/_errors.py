"""The one exception hierarchy of seal verification.

These are library errors, free of HTTP: each service decides what one means for its caller (a
malformed token in a verify request is the caller's 422; a bad signature is a *result*, "not
authentic", not an error page).
"""

from __future__ import annotations

from typing import Literal

QrFailure = Literal["prefix", "base45", "zlib", "content"]


class SealError(Exception):
    """Base of every failure raised by :mod:`wuzheng.seals` (and the services' seal code)."""


class KeyFormatError(SealError, ValueError):
    """A key (JWK, raw bytes) is malformed, of an unsupported type, or not on its curve."""


class TokenError(SealError):
    """A compact JWS/JWT was rejected. Subclasses say why."""


class MalformedTokenError(TokenError, ValueError):
    """The token is not a well-formed compact JWS (encoding, JSON, required header members)."""


class UnknownKeyError(TokenError):
    """The token names a key (``kid``) that the given key set does not hold."""

    def __init__(self, message: str, *, kid: str | None = None) -> None:
        super().__init__(message)
        self.kid = kid


class InvalidSignatureError(TokenError):
    """The signature does not verify, or the token's ``alg`` does not match the key."""


class TokenClaimsError(TokenError):
    """The signature is good but the claims are not acceptable (type, subject, timing)."""


class TokenExpiredError(TokenClaimsError):
    """The token's ``exp`` has passed."""


class StatusListError(SealError, ValueError):
    """A status list is malformed (bits, encoding, compression) or an index is out of range."""


class QrPayloadError(SealError, ValueError):
    """A scanned QR text is not a ``WZ1:`` licence payload; :attr:`reason` says which layer."""

    def __init__(self, reason: QrFailure, detail: str) -> None:
        super().__init__(detail)
        self.reason: QrFailure = reason
