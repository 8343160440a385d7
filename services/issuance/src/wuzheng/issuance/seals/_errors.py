"""The one exception hierarchy of the seal and offline-check code.

These are library errors, free of HTTP: the service layer decides what each one means for
its caller (a malformed token in a verify request is the caller's 422; a bad signature is a
*result*, "not authentic", not an error page).
"""

from __future__ import annotations


class SealError(Exception):
    """Base of every failure raised by :mod:`wuzheng.issuance.seals` and ``.offline``."""


class CanonicalFormError(SealError, ValueError):
    """A value has no canonical JSON form (a float, a non-string key, a lone surrogate…)."""


class KeyFormatError(SealError, ValueError):
    """A key (JWK, raw bytes) is malformed, of an unsupported type, or not on its curve."""


class KeyDecryptionError(SealError):
    """An encrypted seal key could not be opened: wrong KEK, tampered blob, or wrong kid."""


class TokenError(SealError):
    """A compact JWS/JWT was rejected. Subclasses say why."""


class MalformedTokenError(TokenError, ValueError):
    """The token is not a well-formed compact JWS (encoding, JSON, required header members)."""


class UnknownKeyError(TokenError):
    """The token names a key (``kid``) that the given key set does not hold."""


class InvalidSignatureError(TokenError):
    """The signature does not verify, or the token's ``alg`` does not match the key."""


class TokenClaimsError(TokenError):
    """The signature is good but the claims are not acceptable (type, subject, timing)."""


class TokenExpiredError(TokenClaimsError):
    """The token's ``exp`` has passed."""
