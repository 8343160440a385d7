"""Seal keys: generation, signing, and encryption at rest.

The public half (:class:`SealPublicKey`: JWKs, thumbprints, verification) lives in
:mod:`wuzheng.seals`; a :class:`SealKey` holds one beside its private key.
"""

from __future__ import annotations

import json
import secrets
import struct
from datetime import UTC, datetime
from typing import Final, NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wuzheng.issuance.seals import _sm2
from wuzheng.issuance.seals._canonical import canonical_json
from wuzheng.issuance.seals._errors import KeyDecryptionError, KeyFormatError
from wuzheng.seals import SealPublicKey, SealSuite, b64url_decode, b64url_encode, jwk_thumbprint

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
        kid = kid or jwk_thumbprint(suite, public_bytes)
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
