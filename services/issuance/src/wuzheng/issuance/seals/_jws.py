"""Compact JWS (RFC 7515) sealing for both suites, and verification against issuer key sources.

Ed25519 tokens are ordinary ``EdDSA`` JWS that any JOSE library verifies with the published
JWK. SM2 tokens have the same structure with the private-use ``alg`` ``SM2SM3`` and a raw
64-byte ``r ‖ s`` signature. The checks themselves are :func:`wuzheng.seals.verify_compact`'s;
here they are run against what an issuer holds (a keyring, a key, a JWK Set).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeAlias

from wuzheng.issuance.seals._canonical import canonical_json
from wuzheng.issuance.seals._errors import KeyFormatError, UnknownKeyError
from wuzheng.issuance.seals._keyring import Keyring
from wuzheng.issuance.seals._keys import SealKey
from wuzheng.seals import KeyLookup, SealPublicKey, VerifiedJws, b64url_encode
from wuzheng.seals import verify_compact as _verify_compact

_RESERVED_HEADERS: Final = frozenset({"alg", "kid", "crit", "b64", "jwk", "jku", "x5u", "x5c"})

KeySource: TypeAlias = (
    Keyring | SealKey | SealPublicKey | Mapping[str, Any] | Iterable[SealKey | SealPublicKey]
)
"""Where :func:`verify_compact` looks the token's ``kid`` up: a keyring, one key, a JWK Set
dict (``{"keys": [...]}``) or a single JWK dict, or an iterable of keys."""


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


def verify_compact(token: str, keys: KeySource, *, typ: str | None = None) -> VerifiedJws:
    """Verify a compact JWS against ``keys``; return its header, payload (``claims``: as a
    JSON object) and kid.

    Raises :class:`MalformedTokenError` (not a well-formed JWS, unsupported ``crit``),
    :class:`UnknownKeyError` (``kid`` not among ``keys``), :class:`InvalidSignatureError`
    (``alg`` not the key's, or a bad signature), :class:`TokenClaimsError` (``typ`` differs
    from the one required); :class:`KeyFormatError` if the key set's entry for the ``kid``
    is itself unusable.
    """
    return _verify_compact(token, key_lookup(keys), typ=typ)


def key_lookup(keys: KeySource) -> KeyLookup:
    """The kid → key function of a key source, for :mod:`wuzheng.seals`."""
    return lambda kid: _find_key(keys, kid)


def _find_key(keys: KeySource, kid: str) -> SealPublicKey | None:
    if isinstance(keys, Keyring):
        return keys.find(kid)
    if isinstance(keys, SealKey | SealPublicKey):
        found = keys.public_key if isinstance(keys, SealKey) else keys
        return found if found.kid == kid else None
    if isinstance(keys, Mapping):
        return _find_jwk(keys, kid)
    for key in keys:
        public = key.public_key if isinstance(key, SealKey) else key
        if public.kid == kid:
            return public
    return None


def _find_jwk(jwks: Mapping[str, Any], kid: str) -> SealPublicKey | None:
    entries = jwks.get("keys") if "keys" in jwks else [jwks]
    if not isinstance(entries, list):
        raise KeyFormatError("the JWK Set's 'keys' is not a list")
    matches = [e for e in entries if isinstance(e, Mapping) and e.get("kid") == kid]
    if len(matches) > 1:
        raise UnknownKeyError(f"the JWK Set has {len(matches)} keys named {kid!r}", kid=kid)
    return SealPublicKey.from_jwk(matches[0]) if matches else None
