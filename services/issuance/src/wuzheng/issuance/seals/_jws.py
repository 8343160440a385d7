"""Compact JWS (RFC 7515) sealing and verification for both suites.

Ed25519 tokens are ordinary ``EdDSA`` JWS that any JOSE library verifies with the published
JWK. SM2 tokens have the same structure with the private-use ``alg`` ``SM2SM3`` and a raw
64-byte ``r ‖ s`` signature.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final, NamedTuple, TypeAlias

from wuzheng.issuance.seals._b64 import b64url_decode, b64url_encode
from wuzheng.issuance.seals._canonical import canonical_json
from wuzheng.issuance.seals._errors import (
    InvalidSignatureError,
    KeyFormatError,
    MalformedTokenError,
    TokenClaimsError,
    UnknownKeyError,
)
from wuzheng.issuance.seals._keyring import Keyring
from wuzheng.issuance.seals._keys import SealKey, SealPublicKey

MAX_TOKEN_LENGTH: Final = 1 << 20
_RESERVED_HEADERS: Final = frozenset({"alg", "kid", "crit", "b64", "jwk", "jku", "x5u", "x5c"})

KeySource: TypeAlias = (
    Keyring | SealKey | SealPublicKey | Mapping[str, Any] | Iterable[SealKey | SealPublicKey]
)
"""Where :func:`verify_compact` looks the token's ``kid`` up: a keyring, one key, a JWK Set
dict (``{"keys": [...]}``) or a single JWK dict, or an iterable of keys."""


class VerifiedJWS(NamedTuple):
    """A verified token: its protected header and its payload bytes."""

    header: dict[str, Any]
    payload: bytes

    def claims(self) -> dict[str, Any]:
        """The payload as a JSON object; :class:`MalformedTokenError` if it is not one."""
        return _json_object(self.payload, "payload")


def sign_compact(
    payload: bytes | Mapping[str, Any],
    key: SealKey,
    *,
    typ: str | None = None,
    extra_headers: Mapping[str, Any] | None = None,
) -> str:
    """Seal ``payload`` as a compact JWS with ``key``.

    A mapping is signed in its canonical form (:func:`canonical_json`); bytes are signed as
    they are. The protected header holds ``alg``, ``kid``, ``typ`` (if given) and
    ``extra_headers``, which may not set ``alg``, ``kid``, ``crit``, ``b64`` or key-carrying
    members.
    """
    header: dict[str, Any] = {}
    if extra_headers:
        reserved = _RESERVED_HEADERS.intersection(extra_headers)
        if reserved:
            raise ValueError(f"extra_headers may not set {sorted(reserved)}")
        header.update(extra_headers)
    header["alg"] = key.alg
    header["kid"] = key.kid
    if typ is not None:
        header["typ"] = typ
    body = payload if isinstance(payload, bytes) else canonical_json(payload)
    signing_input = f"{b64url_encode(canonical_json(header))}.{b64url_encode(body)}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def verify_compact(token: str, keys: KeySource, *, typ: str | None = None) -> VerifiedJWS:
    """Verify a compact JWS against ``keys``; return its header and payload.

    Raises :class:`MalformedTokenError` (not a well-formed JWS, unsupported ``crit``),
    :class:`UnknownKeyError` (``kid`` not among ``keys``), :class:`InvalidSignatureError`
    (``alg`` not the key's, or a bad signature), :class:`TokenClaimsError` (``typ`` differs
    from the one required); :class:`KeyFormatError` if the key set's entry for the ``kid``
    is itself unusable.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise MalformedTokenError("a compact JWS is a string of at most 1 MiB")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedTokenError("a compact JWS has three dot-separated parts")
    header_b64, payload_b64, signature_b64 = parts
    try:
        header_bytes = b64url_decode(header_b64)
        payload = b64url_decode(payload_b64)
        signature = b64url_decode(signature_b64)
    except ValueError as exc:
        raise MalformedTokenError(f"a JWS part is not base64url: {exc}") from None
    header = _json_object(header_bytes, "header")
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise MalformedTokenError("the JWS header has no usable alg")
    if not isinstance(kid, str) or not kid:
        raise MalformedTokenError("the JWS header names no key (kid)")
    if "crit" in header:
        raise MalformedTokenError("the JWS header has critical extensions we do not understand")
    key = _find_key(keys, kid)
    if alg != key.alg:
        raise InvalidSignatureError(f"alg {alg!r} does not match key {kid!r} ({key.alg})")
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    if not key.verify(signing_input, signature):
        raise InvalidSignatureError("the seal's signature does not verify")
    if typ is not None and not _same_typ(header.get("typ"), typ):
        raise TokenClaimsError(f"token typ is {header.get('typ')!r}, expected {typ!r}")
    return VerifiedJWS(header, payload)


def _same_typ(actual: object, expected: str) -> bool:
    # RFC 7515 §4.1.9: media types compare case-insensitively, "application/" may be omitted.
    def norm(value: str) -> str:
        value = value.lower()
        return value.removeprefix("application/")

    return isinstance(actual, str) and norm(actual) == norm(expected)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise MalformedTokenError(f"duplicate member {name!r}")
        result[name] = value
    return result


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_reject_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, MalformedTokenError):
            raise MalformedTokenError(f"the JWS {what} has a {exc}") from None
        raise MalformedTokenError(f"the JWS {what} is not UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise MalformedTokenError(f"the JWS {what} is not a JSON object")
    return value


def _find_key(keys: KeySource, kid: str) -> SealPublicKey:
    if isinstance(keys, Keyring):
        found = keys.find(kid)
    elif isinstance(keys, SealKey | SealPublicKey):
        found = keys.public_key if isinstance(keys, SealKey) else keys
        found = found if found.kid == kid else None
    elif isinstance(keys, Mapping):
        found = _find_jwk(keys, kid)
    else:
        found = None
        for key in keys:
            public = key.public_key if isinstance(key, SealKey) else key
            if public.kid == kid:
                found = public
                break
    if found is None:
        raise UnknownKeyError(f"no key {kid!r} in the key set")
    return found


def _find_jwk(jwks: Mapping[str, Any], kid: str) -> SealPublicKey | None:
    entries = jwks.get("keys") if "keys" in jwks else [jwks]
    if not isinstance(entries, list):
        raise KeyFormatError("the JWK Set's 'keys' is not a list")
    matches = [e for e in entries if isinstance(e, Mapping) and e.get("kid") == kid]
    if len(matches) > 1:
        raise UnknownKeyError(f"the JWK Set has {len(matches)} keys named {kid!r}")
    return SealPublicKey.from_jwk(matches[0]) if matches else None
