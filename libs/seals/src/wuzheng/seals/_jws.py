"""Compact JWS (RFC 7515) verification for both suites.

Ed25519 tokens are ordinary ``EdDSA`` JWS; SM2 tokens have the same structure with the
private-use ``alg`` ``SM2SM3`` and a raw 64-byte ``r ‖ s`` signature. The token's ``alg`` must
be its key's own; ``none`` is refused, and so is every ``alg`` outside ``algs`` when the
caller names the ones it accepts. A ``crit`` header is refused, and duplicate JSON members are
an error.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

from wuzheng.seals._b64 import b64url_decode
from wuzheng.seals._errors import (
    InvalidSignatureError,
    MalformedTokenError,
    TokenClaimsError,
    UnknownKeyError,
)
from wuzheng.seals._keys import JwkSet, SealPublicKey

MAX_TOKEN_LENGTH: Final = 1 << 20

KeyLookup: TypeAlias = JwkSet | Callable[[str], SealPublicKey | None]
"""Where :func:`verify_compact` looks the token's ``kid`` up: a :class:`JwkSet`, or a function
from kid to key (``None``: no such key)."""


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise MalformedTokenError(f"duplicate member {name!r}")
        result[name] = value
    return result


def json_object(data: bytes, what: str) -> dict[str, Any]:
    """``data`` read as a JSON object (no duplicate members); :class:`MalformedTokenError`
    naming ``what`` (the JWS ``header`` or ``payload``) if it is not one."""
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_reject_duplicates)
    except MalformedTokenError as exc:
        raise MalformedTokenError(f"the JWS {what} has a {exc}") from None
    except (UnicodeDecodeError, ValueError):
        raise MalformedTokenError(f"the JWS {what} is not UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise MalformedTokenError(f"the JWS {what} is not a JSON object")
    return value


@dataclass(frozen=True)
class UnverifiedJws:
    """A parsed compact JWS whose signature has not been checked yet."""

    header: dict[str, Any]
    payload: bytes = field(repr=False)
    signing_input: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    @property
    def kid(self) -> str:
        return str(self.header["kid"])

    @property
    def alg(self) -> str:
        return str(self.header["alg"])

    @functools.cached_property
    def claims(self) -> dict[str, Any]:
        """The payload as a JSON object; :class:`MalformedTokenError` if it is not one."""
        return json_object(self.payload, "payload")


@dataclass(frozen=True)
class VerifiedJws:
    """A verified token: its protected header, its payload and the kid of the key it verified
    with."""

    header: dict[str, Any]
    payload: bytes = field(repr=False)
    kid: str

    @functools.cached_property
    def claims(self) -> dict[str, Any]:
        """The payload as a JSON object; :class:`MalformedTokenError` if it is not one."""
        return json_object(self.payload, "payload")


def read_compact(
    token: str, *, algs: Collection[str] | None = None, claims: bool = False
) -> UnverifiedJws:
    """Parse a compact JWS without checking its signature (to learn its issuer and kid).

    :class:`MalformedTokenError` if it is not well formed: three base64url parts, a JSON
    object header with a usable ``alg`` (one of ``algs`` when given) and a ``kid``, no
    ``crit``; with ``claims``, the payload must be a JSON object too.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise MalformedTokenError("a compact JWS is a string of at most 1 MiB")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedTokenError("a compact JWS has three dot-separated parts")
    try:
        header_raw, payload, signature = (b64url_decode(part) for part in parts)
    except ValueError as exc:
        raise MalformedTokenError(f"a JWS part is not base64url: {exc}") from None
    header = json_object(header_raw, "header")
    alg, kid = header.get("alg"), header.get("kid")
    if algs is not None and alg not in algs:
        raise MalformedTokenError(f"unsupported JWS alg {alg!r} ({' or '.join(algs)})")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise MalformedTokenError("the JWS header has no usable alg")
    if not isinstance(kid, str) or not kid:
        raise MalformedTokenError("the JWS header names no key (kid)")
    if "crit" in header:
        raise MalformedTokenError("the JWS header has critical extensions")
    parsed = UnverifiedJws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)
    if claims:
        _ = parsed.claims
    return parsed


def _same_typ(actual: object, expected: str) -> bool:
    # RFC 7515 §4.1.9: media types compare case-insensitively, "application/" may be omitted.
    def norm(value: str) -> str:
        return value.lower().removeprefix("application/")

    return isinstance(actual, str) and norm(actual) == norm(expected)


def verify_compact(
    token: str | UnverifiedJws,
    keys: KeyLookup,
    *,
    typ: str | None = None,
    algs: Collection[str] | None = None,
) -> VerifiedJws:
    """Verify a compact JWS with ``keys``; return its header, payload and kid.

    Raises :class:`MalformedTokenError` (see :func:`read_compact`), :class:`UnknownKeyError`
    (``kid`` not among ``keys``), :class:`InvalidSignatureError` (``alg`` not the key's, or a
    bad signature), :class:`TokenClaimsError` (``typ`` differs from the one required).
    """
    parsed = read_compact(token, algs=algs) if isinstance(token, str) else token
    kid = parsed.kid
    if isinstance(keys, JwkSet):
        key = keys.find(kid)
    else:
        found = keys(kid)
        if found is None:
            raise UnknownKeyError(f"no key {kid!r} in the key set", kid=kid)
        key = found
    if parsed.alg != key.alg:
        raise InvalidSignatureError(f"alg {parsed.alg!r} does not match key {kid!r} ({key.alg})")
    if not key.verify(parsed.signing_input, parsed.signature):
        raise InvalidSignatureError("the signature does not verify")
    if typ is not None and not _same_typ(parsed.header.get("typ"), typ):
        raise TokenClaimsError(f"token typ is {parsed.header.get('typ')!r}, expected {typ!r}")
    return VerifiedJws(parsed.header, parsed.payload, key.kid)
