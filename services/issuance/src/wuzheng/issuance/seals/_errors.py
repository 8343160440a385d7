"""The one exception hierarchy of the seal and offline-check code.

The verifying errors are :mod:`wuzheng.seals`' own, re-exported here; the signing half adds
the ones only an issuer meets (canonical form, key decryption).

These are library errors, free of HTTP: the service layer decides what each one means for
its caller (a malformed token in a verify request is the caller's 422; a bad signature is a
*result*, "not authentic", not an error page).
"""

from __future__ import annotations

from wuzheng.seals import (
    InvalidSignatureError,
    KeyFormatError,
    MalformedTokenError,
    SealError,
    StatusListError,
    TokenClaimsError,
    TokenError,
    TokenExpiredError,
    UnknownKeyError,
)

__all__ = [
    "CanonicalFormError",
    "InvalidSignatureError",
    "KeyDecryptionError",
    "KeyFormatError",
    "MalformedTokenError",
    "SealError",
    "StatusListError",
    "TokenClaimsError",
    "TokenError",
    "TokenExpiredError",
    "UnknownKeyError",
]


class CanonicalFormError(SealError, ValueError):
    """A value has no canonical JSON form (a float, a non-string key, a lone surrogate…)."""


class KeyDecryptionError(SealError):
    """An encrypted seal key could not be opened: wrong KEK, tampered blob, or wrong kid."""
