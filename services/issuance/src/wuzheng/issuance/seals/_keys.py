"""Seal keys: generation, public JWKs, and encryption at rest."""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, NoReturn

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wuzheng.issuance.seals import _sm2
from wuzheng.issuance.seals._b64 import b64url_decode, b64url_encode
from wuzheng.issuance.seals._canonical import canonical_json
from wuzheng.issuance.seals._errors import KeyDecryptionError, KeyFormatError
from wuzheng.issuance.seals._suite import SealSuite

KEK_SIZE: Final = 32  # AES-256
_NONCE_SIZE: Final = 12  # 96-bit GCM nonce, random per encryption
_BLOB_VERSION: Final = 1
_KDF_SALT: Final = b"wuzheng/issuance/kek/v1"
_KDF_INFO: Final = b"seal-key-encryption"
_ED25519_SIZE: Final = 32


def derive_kek(secret: str) -> bytes:
    """The 256-bit key-encryption key derived (HKDF-SHA256) from a settings secret."""
    if not secret:
        raise ValueError("the seal key secret is empty")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEK_SIZE, salt=_KDF_SALT, info=_KDF_INFO)
    return hkdf.derive(secret.encode("utf-8"))


def _jwk_thumbprint(required: Mapping[str, str]) -> str:
    """RFC 7638 thumbprint (SHA-256) of a JWK's required members."""
    return b64url_encode(hashlib.sha256(canonical_json(required)).digest())


def _required_members(suite: SealSuite, public: bytes) -> dict[str, str]:
    if suite is SealSuite.ED25519:
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public)}
    return {
        "kty": "EC",
        "crv": "SM2",
        "x": b64url_encode(public[:32]),
        "y": b64url_encode(public[32:]),
    }


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
            if len(self.public_bytes) != _ED25519_SIZE:
                raise KeyFormatError("an Ed25519 public key is 32 bytes")
            key = Ed25519PublicKey.from_public_bytes(self.public_bytes)
            object.__setattr__(self, "_ed25519", key)
        else:
            _sm2.check_public_key(self.public_bytes)

    @property
    def alg(self) -> str:
        """The JOSE ``alg`` this key verifies."""
        return self.suite.jws_alg

    def thumbprint(self) -> str:
        """The RFC 7638 SHA-256 JWK thumbprint of this key (also the kid we assign)."""
        return _jwk_thumbprint(_required_members(self.suite, self.public_bytes))

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
        """Read a public JWK as published by :meth:`to_jwk`; :class:`KeyFormatError` if unusable."""
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
        return _sm2.verify(self.public_bytes, data, signature)


class SealKey:
    """A seal key pair of one issuer. The private half never appears in repr, str or pickles.

    Make one with :func:`generate_seal_key`; store it with :meth:`encrypt`, load it with
    :meth:`decrypt`.
    """

    __slots__ = ("_created_at", "_ed25519", "_private", "_public")

    _private: bytes
    _ed25519: Ed25519PrivateKey | None
    _public: SealPublicKey
    _created_at: datetime

    def __init__(
        self,
        *,
        suite: SealSuite,
        private_bytes: bytes,
        public_bytes: bytes,
        created_at: datetime,
        kid: str | None = None,
    ) -> None:
        """Assemble a key from raw parts (used by :meth:`decrypt`); checks that they fit."""
        if created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        if suite is SealSuite.ED25519:
            if len(private_bytes) != _ED25519_SIZE:
                raise KeyFormatError("an Ed25519 private key is 32 bytes")
            ed = Ed25519PrivateKey.from_private_bytes(private_bytes)
            if ed.public_key().public_bytes_raw() != public_bytes:
                raise KeyFormatError("the Ed25519 public key does not belong to the private key")
            self._ed25519 = ed
        else:
            _sm2.check_private_key(private_bytes)
            self._ed25519 = None
        kid = kid or _jwk_thumbprint(_required_members(suite, public_bytes))
        self._public = SealPublicKey(kid=kid, suite=suite, public_bytes=public_bytes)
        self._private = private_bytes
        self._created_at = created_at.astimezone(UTC)

    @property
    def kid(self) -> str:
        return self._public.kid

    @property
    def suite(self) -> SealSuite:
        return self._public.suite

    @property
    def alg(self) -> str:
        return self._public.alg

    @property
    def created_at(self) -> datetime:
        return self._created_at

    @property
    def public_key(self) -> SealPublicKey:
        return self._public

    def public_jwk(self) -> dict[str, str]:
        """The public JWK (see :meth:`SealPublicKey.to_jwk`)."""
        return self._public.to_jwk()

    def sign(self, data: bytes) -> bytes:
        """The raw signature of ``data`` (64 bytes for both suites)."""
        if self._ed25519 is not None:
            return self._ed25519.sign(data)
        return _sm2.sign(self._private, self._public.public_bytes, data)

    def verify(self, data: bytes, signature: bytes) -> bool:
        return self._public.verify(data, signature)

    def __repr__(self) -> str:
        return (
            f"SealKey(kid={self.kid!r}, suite={self.suite.value!r}, "
            f"created_at={self._created_at.isoformat()!r})"
        )

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SealKey is not picklable or copyable; store it with encrypt()")

    # -- encryption at rest -------------------------------------------------------------

    def encrypt(self, kek: bytes) -> bytes:
        """This key sealed with AES-256-GCM under ``kek``, bound to its kid.

        Layout: ``version (1) ‖ len(kid) (1) ‖ kid ‖ nonce (12) ‖ ciphertext+tag``; the header
        (version and kid) is the associated data, so a blob cannot be moved to another kid.
        """
        aead = AESGCM(_check_kek(kek))
        header = _blob_header(self.kid)
        nonce = secrets.token_bytes(_NONCE_SIZE)
        plaintext = canonical_json(
            {
                "suite": self.suite.value,
                "created_at": self._created_at.isoformat(),
                "d": b64url_encode(self._private),
                "pub": b64url_encode(self._public.public_bytes),
            }
        )
        return header + nonce + aead.encrypt(nonce, plaintext, header)

    @classmethod
    def decrypt(cls, blob: bytes, kek: bytes, *, kid: str | None = None) -> SealKey:
        """Open a blob made by :meth:`encrypt`.

        ``kid``, when given (the kid stored beside the blob), must be the blob's own kid.
        :class:`KeyDecryptionError` for a wrong KEK, a tampered blob or a kid mismatch.
        """
        aead = AESGCM(_check_kek(kek))
        if len(blob) < 2 or blob[0] != _BLOB_VERSION:
            raise KeyDecryptionError("not a seal key blob (unknown version)")
        kid_end = 2 + blob[1]
        if len(blob) < kid_end + _NONCE_SIZE + 16:
            raise KeyDecryptionError("seal key blob is truncated")
        header = blob[:kid_end]
        blob_kid = header[2:].decode("ascii", "replace")
        if kid is not None and kid != blob_kid:
            raise KeyDecryptionError(f"seal key blob belongs to kid {blob_kid!r}, not {kid!r}")
        nonce = blob[kid_end : kid_end + _NONCE_SIZE]
        try:
            plaintext = aead.decrypt(nonce, blob[kid_end + _NONCE_SIZE :], header)
        except InvalidTag:
            raise KeyDecryptionError(
                "seal key blob does not open: wrong key-encryption key or tampered"
            ) from None
        try:
            fields = json.loads(plaintext)
            return cls(
                suite=SealSuite(fields["suite"]),
                private_bytes=b64url_decode(fields["d"]),
                public_bytes=b64url_decode(fields["pub"]),
                created_at=datetime.fromisoformat(fields["created_at"]),
                kid=blob_kid,
            )
        except (ValueError, KeyError, TypeError) as exc:  # authentic but unreadable: a bug
            raise KeyDecryptionError("seal key blob content is malformed") from exc


def _check_kek(kek: bytes) -> bytes:
    if len(kek) != KEK_SIZE:
        raise ValueError(f"the key-encryption key must be {KEK_SIZE} bytes (see derive_kek)")
    return kek


def _blob_header(kid: str) -> bytes:
    raw = kid.encode("ascii")
    if len(raw) > 255:
        raise ValueError("kid too long to seal")
    return struct.pack("BB", _BLOB_VERSION, len(raw)) + raw


def generate_seal_key(
    suite: SealSuite = SealSuite.ED25519, *, created_at: datetime | None = None
) -> SealKey:
    """A fresh seal key; its kid is the RFC 7638 thumbprint of its public JWK."""
    if suite is SealSuite.ED25519:
        ed = Ed25519PrivateKey.generate()
        private, public = ed.private_bytes_raw(), ed.public_key().public_bytes_raw()
    else:
        private, public = _sm2.generate_keypair()
    return SealKey(
        suite=suite,
        private_bytes=private,
        public_bytes=public,
        created_at=created_at or datetime.now(UTC),
    )
