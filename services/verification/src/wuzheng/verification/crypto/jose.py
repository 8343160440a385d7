"""Compact JWS verification against an issuer's JWKS: Ed25519 (``EdDSA``) and SM2 (``SM2SM3``).

Only what an issuer publishes is accepted: ``OKP``/``Ed25519`` keys with ``alg`` ``EdDSA``
and ``EC``/``SM2`` keys with ``alg`` ``SM2SM3``; the token's ``alg`` must be its key's own,
``none`` and every other algorithm are refused, a ``crit`` header is refused, and duplicate
JSON members are an error. Parsed keys are immutable and can be cached beside the JWKS.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wuzheng.verification.crypto import sm2

__all__ = [
    "ED25519_ALG",
    "SM2_ALG",
    "BadSignature",
    "JoseError",
    "JwkSet",
    "MalformedJws",
    "PublicKey",
    "UnknownKid",
    "UnverifiedJws",
    "VerifiedJws",
    "WrongType",
    "b64url_decode",
    "b64url_encode",
    "jwks_digest",
    "read_unverified",
    "verify_compact",
]

ED25519_ALG: Final = "EdDSA"
SM2_ALG: Final = "SM2SM3"
MAX_TOKEN_LENGTH: Final = 1 << 20
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class JoseError(ValueError):
    """A token or key that cannot be used."""


class MalformedJws(JoseError):
    """Not a well-formed compact JWS (parts, base64url, JSON, header members)."""


class UnknownKid(JoseError):
    """The token names a key the key set does not hold."""

    def __init__(self, kid: str) -> None:
        super().__init__(f"no key {kid!r} in the issuer's key set")
        self.kid = kid


class BadSignature(JoseError):
    """The signature does not verify, or ``alg`` is not the key's."""


class WrongType(JoseError):
    """The token's ``typ`` is not the one expected."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict unpadded base64url: no padding, no other alphabet, canonical last character."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:  # pragma: no cover - the pattern rules this out
        raise ValueError("not unpadded base64url") from exc
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def _member(jwk: Mapping[str, Any], kid: str, name: str) -> bytes:
    value = jwk.get(name)
    try:
        if not isinstance(value, str):
            raise ValueError(name)
        return b64url_decode(value)
    except ValueError:
        raise JoseError(f"JWK {kid}: member {name!r} is not base64url") from None


@dataclass(frozen=True)
class PublicKey:
    """One issuer seal key from a JWKS."""

    kid: str
    alg: str
    raw: bytes = field(repr=False)
    _ed25519: Ed25519PublicKey | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            raise JoseError("a JWK without kid")
        if jwk.get("use", "sig") != "sig":
            raise JoseError(f"JWK {kid}: not a signature key")
        if "d" in jwk:
            raise JoseError(f"JWK {kid}: holds a private key")
        kty, crv = jwk.get("kty"), jwk.get("crv")
        names: tuple[str, ...]
        if (kty, crv) == ("OKP", "Ed25519"):
            alg, names = ED25519_ALG, ("x",)
        elif (kty, crv) == ("EC", "SM2"):
            alg, names = SM2_ALG, ("x", "y")
        else:
            raise JoseError(f"JWK {kid}: unsupported key type {kty!r}/{crv!r}")
        if jwk.get("alg", alg) != alg:
            raise JoseError(f"JWK {kid}: alg {jwk.get('alg')!r} does not fit a {crv} key")
        parts = [_member(jwk, kid, name) for name in names]
        raw = b"".join(parts)
        if alg == ED25519_ALG:
            if len(raw) != 32:
                raise JoseError(f"JWK {kid}: an Ed25519 key is 32 bytes")
            return cls(kid, alg, raw, Ed25519PublicKey.from_public_bytes(raw))
        if any(len(part) != 32 for part in parts) or not sm2.is_curve_point(raw):
            raise JoseError(f"JWK {kid}: not a point on the SM2 curve")
        return cls(kid, alg, raw)

    def verify(self, data: bytes, signature: bytes) -> bool:
        if self._ed25519 is not None:
            try:
                self._ed25519.verify(signature, data)
            except InvalidSignature:
                return False
            return True
        return sm2.verify(self.raw, data, signature)


@dataclass(frozen=True)
class JwkSet:
    """The parsed signature keys of one issuer. Unusable entries are skipped, not fatal: an
    issuer may publish keys of a kind we do not verify beside ones we do."""

    keys: Mapping[str, PublicKey]
    skipped: tuple[str, ...] = ()

    @classmethod
    def parse(cls, jwks: Mapping[str, Any] | None) -> JwkSet:
        entries = (jwks or {}).get("keys", [])
        if not isinstance(entries, list):
            raise JoseError("the JWKS member 'keys' is not a list")
        keys: dict[str, PublicKey] = {}
        skipped: list[str] = []
        for entry in entries:
            try:
                if not isinstance(entry, Mapping):
                    raise JoseError("a JWKS entry is not an object")
                key = PublicKey.from_jwk(entry)
            except (JoseError, ValueError) as exc:
                skipped.append(str(exc))
                continue
            if key.kid in keys:
                raise JoseError(f"the JWKS has two keys named {key.kid!r}")
            keys[key.kid] = key
        return cls(keys, tuple(skipped))

    def __contains__(self, kid: object) -> bool:
        return kid in self.keys

    def find(self, kid: str) -> PublicKey:
        key = self.keys.get(kid)
        if key is None:
            raise UnknownKid(kid)
        return key


def jwks_digest(jwks: Mapping[str, Any] | None) -> str:
    """A stable digest of a JWKS document (a cache key for its parsed form)."""
    canonical = json.dumps(jwks or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise MalformedJws(f"duplicate member {name!r}")
        result[name] = value
    return result


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except MalformedJws as exc:
        raise MalformedJws(f"the JWS {what} has a {exc}") from None
    except (UnicodeDecodeError, ValueError):
        raise MalformedJws(f"the JWS {what} is not UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise MalformedJws(f"the JWS {what} is not a JSON object")
    return value


@dataclass(frozen=True)
class UnverifiedJws:
    """A parsed compact JWS whose signature has not been checked yet."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    @property
    def kid(self) -> str:
        return str(self.header["kid"])

    @property
    def alg(self) -> str:
        return str(self.header["alg"])


@dataclass(frozen=True)
class VerifiedJws:
    header: dict[str, Any]
    claims: dict[str, Any]
    kid: str


def read_unverified(token: str) -> UnverifiedJws:
    """Parse ``token`` without checking its signature (to learn its issuer and kid)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise MalformedJws("a compact JWS is a string of at most 1 MiB")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedJws("a compact JWS has three dot-separated parts")
    try:
        header_raw, payload, signature = (b64url_decode(part) for part in parts)
    except ValueError as exc:
        raise MalformedJws(f"a JWS part is not base64url: {exc}") from None
    header = _json_object(header_raw, "header")
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in (ED25519_ALG, SM2_ALG):
        raise MalformedJws(f"unsupported JWS alg {alg!r} (EdDSA or SM2SM3)")
    if not isinstance(kid, str) or not kid:
        raise MalformedJws("the JWS header names no key (kid)")
    if "crit" in header:
        raise MalformedJws("the JWS header has critical extensions")
    claims = _json_object(payload, "payload")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    return UnverifiedJws(header, claims, signing_input, signature)


def _same_typ(actual: object, expected: str) -> bool:
    def norm(value: str) -> str:
        return value.lower().removeprefix("application/")

    return isinstance(actual, str) and norm(actual) == norm(expected)


def verify_compact(
    token: str | UnverifiedJws, keys: JwkSet, *, typ: str | None = None
) -> VerifiedJws:
    """Verify ``token`` with ``keys``: :class:`MalformedJws`, :class:`UnknownKid`,
    :class:`BadSignature` or :class:`WrongType` if it does not hold."""
    parsed = read_unverified(token) if isinstance(token, str) else token
    key = keys.find(parsed.kid)
    if parsed.alg != key.alg:
        raise BadSignature(f"alg {parsed.alg!r} does not match key {key.kid!r} ({key.alg})")
    if not key.verify(parsed.signing_input, parsed.signature):
        raise BadSignature("the signature does not verify")
    if typ is not None and not _same_typ(parsed.header.get("typ"), typ):
        raise WrongType(f"token typ is {parsed.header.get('typ')!r}, expected {typ!r}")
    return VerifiedJws(parsed.header, parsed.claims, key.kid)
