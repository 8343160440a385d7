"""Public seal keys: JWK parsing (Ed25519 ``OKP`` and SM2 ``EC``), thumbprints, verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wuzheng.seals import sm2
from wuzheng.seals._b64 import b64url_decode, b64url_encode
from wuzheng.seals._errors import KeyFormatError, SealError, UnknownKeyError
from wuzheng.seals._suite import SealSuite

ED25519_KEY_SIZE: Final = 32


def _required_members(suite: SealSuite, public: bytes) -> dict[str, str]:
    if suite is SealSuite.ED25519:
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public)}
    return {
        "kty": "EC",
        "crv": "SM2",
        "x": b64url_encode(public[:32]),
        "y": b64url_encode(public[32:]),
    }


def jwk_thumbprint(suite: SealSuite, public: bytes) -> str:
    """RFC 7638 thumbprint (SHA-256) of the public key's JWK.

    The required members are ASCII strings, so sorted compact JSON is their canonical form.
    """
    required = _required_members(suite, public)
    text = json.dumps(required, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b64url_encode(hashlib.sha256(text.encode("utf-8")).digest())


@dataclass(frozen=True, slots=True)
class SealPublicKey:
    """The public half of a seal key: what verifiers get, as a JWK, from the issuer's JWKS."""

    kid: str
    suite: SealSuite
    public_bytes: bytes = field(repr=False)
    """Ed25519: the 32-byte public key. SM2: ``x ‖ y``, 64 bytes."""
    _ed25519: Ed25519PublicKey | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.kid:
            raise KeyFormatError("a seal key needs a kid")
        if self.suite is SealSuite.ED25519:
            if len(self.public_bytes) != ED25519_KEY_SIZE:
                raise KeyFormatError("an Ed25519 public key is 32 bytes")
            key = Ed25519PublicKey.from_public_bytes(self.public_bytes)
            object.__setattr__(self, "_ed25519", key)
        else:
            sm2.check_public_key(self.public_bytes)

    @property
    def alg(self) -> str:
        """The JOSE ``alg`` this key verifies."""
        return self.suite.jws_alg

    def thumbprint(self) -> str:
        """The RFC 7638 SHA-256 JWK thumbprint of this key (also the kid issuers assign)."""
        return jwk_thumbprint(self.suite, self.public_bytes)

    def to_jwk(self) -> dict[str, str]:
        """The public JWK.

        Ed25519: ``{"kty": "OKP", "crv": "Ed25519", "x", "kid", "alg": "EdDSA", "use": "sig"}``
        (RFC 8037). SM2: ``{"kty": "EC", "crv": "SM2", "x", "y", "kid", "alg": "SM2SM3",
        "use": "sig"}`` — ``crv`` SM2 and ``alg`` SM2SM3 are private-use names, not IANA-registered;
        standard JOSE libraries skip such keys in a JWKS.
        """
        jwk = _required_members(self.suite, self.public_bytes)
        jwk.update(kid=self.kid, alg=self.alg, use="sig")
        return jwk

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> SealPublicKey:
        """Read a public JWK as published by :meth:`to_jwk`; :class:`KeyFormatError` if unusable.

        Private keys (a ``d`` member), keys not for signatures and key types other than
        ``OKP``/``Ed25519`` and ``EC``/``SM2`` are refused.
        """
        kty, crv, kid = jwk.get("kty"), jwk.get("crv"), jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            raise KeyFormatError("the JWK has no kid")
        if jwk.get("use", "sig") != "sig":
            raise KeyFormatError(f"JWK {kid}: not a signature key (use={jwk.get('use')!r})")
        if "d" in jwk:
            raise KeyFormatError(f"JWK {kid}: holds a private key; only public keys are read")
        names: tuple[str, ...]
        if (kty, crv) == ("OKP", "Ed25519"):
            suite = SealSuite.ED25519
            names = ("x",)
        elif (kty, crv) == ("EC", "SM2"):
            suite = SealSuite.SM2_SM3
            names = ("x", "y")
        else:
            raise KeyFormatError(f"JWK {kid}: unsupported key type {kty!r}/{crv!r}")
        alg = jwk.get("alg", suite.jws_alg)
        if alg != suite.jws_alg:
            raise KeyFormatError(f"JWK {kid}: alg {alg!r} does not fit a {crv} key")
        parts: list[bytes] = []
        for name in names:
            value = jwk.get(name)
            try:
                if not isinstance(value, str):
                    raise ValueError
                raw = b64url_decode(value)
            except ValueError:
                raise KeyFormatError(f"JWK {kid}: member {name!r} is not base64url") from None
            if suite is SealSuite.SM2_SM3 and len(raw) != 32:
                raise KeyFormatError(f"JWK {kid}: member {name!r} is not 32 bytes")
            parts.append(raw)
        return cls(kid=kid, suite=suite, public_bytes=b"".join(parts))

    def verify(self, data: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's signature of ``data``."""
        if self._ed25519 is not None:
            try:
                self._ed25519.verify(signature, data)
            except InvalidSignature:
                return False
            return True
        return sm2.verify(self.public_bytes, data, signature)


@dataclass(frozen=True)
class JwkSet:
    """The parsed signature keys of one issuer's JWKS, by kid.

    Unusable entries are skipped, not fatal: an issuer may publish keys of a kind we do not
    verify beside ones we do (:attr:`skipped` says why each was left out). Two keys with one
    kid make the whole set unusable. Parsed keys are immutable and can be cached beside the
    JWKS.
    """

    keys: Mapping[str, SealPublicKey]
    skipped: tuple[str, ...] = ()

    @classmethod
    def parse(cls, jwks: Mapping[str, Any] | None) -> JwkSet:
        """Read a JWKS document (``{"keys": [...]}``); :class:`KeyFormatError` if unusable."""
        entries = (jwks or {}).get("keys", [])
        if not isinstance(entries, list):
            raise KeyFormatError("the JWKS member 'keys' is not a list")
        keys: dict[str, SealPublicKey] = {}
        skipped: list[str] = []
        for entry in entries:
            try:
                if not isinstance(entry, Mapping):
                    raise KeyFormatError("a JWKS entry is not an object")
                key = SealPublicKey.from_jwk(entry)
            except (SealError, ValueError) as exc:
                skipped.append(str(exc))
                continue
            if key.kid in keys:
                raise KeyFormatError(f"the JWKS has two keys named {key.kid!r}")
            keys[key.kid] = key
        return cls(keys, tuple(skipped))

    def __contains__(self, kid: object) -> bool:
        return kid in self.keys

    def get(self, kid: str) -> SealPublicKey | None:
        """The key named ``kid``, or ``None``."""
        return self.keys.get(kid)

    def find(self, kid: str) -> SealPublicKey:
        """The key named ``kid``; :class:`UnknownKeyError` if the set does not hold it."""
        key = self.keys.get(kid)
        if key is None:
            raise UnknownKeyError(f"no key {kid!r} in the issuer's key set", kid=kid)
        return key
