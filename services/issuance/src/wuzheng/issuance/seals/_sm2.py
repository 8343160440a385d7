"""SM2 signatures with SM3 (GB/T 32918.2-2016, GM/T 0009-2012), over GmSSL: the signing half.

Verification, the digest ``e = SM3(Z_A ‖ M)`` and the curve are :mod:`wuzheng.seals.sm2`'s
(re-exported here); this module adds what only the key holder does — key generation, the
private-key check and signing — with ``gmssl-pyx``, a C binding of GmSSL 3.2 (the reference
open-source 国密 implementation). GmSSL draws the signing nonce k from its ``rand_bytes``,
which reads the operating system's CSPRNG (``/dev/urandom``) — the same source as Python's
:mod:`secrets`; no non-cryptographic generator is involved. The pure-Python ``gmssl`` package
was rejected because it draws k from :mod:`random`. Signatures are raw ``r ‖ s``, 32 bytes
each, as JOSE does for ECDSA.
"""

from __future__ import annotations

from typing import Final

import gmssl_pyx  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from wuzheng.seals import KeyFormatError
from wuzheng.seals.sm2 import (
    DEFAULT_SIGNER_ID,
    GX,
    GY,
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    A,
    B,
    N,
    P,
    check_public_key,
    message_digest,
    sm3,
    verify,
    z_value,
)

__all__ = [
    "DEFAULT_SIGNER_ID",
    "GX",
    "GY",
    "PRIVATE_KEY_SIZE",
    "PUBLIC_KEY_SIZE",
    "SIGNATURE_SIZE",
    "A",
    "B",
    "N",
    "P",
    "check_private_key",
    "check_public_key",
    "generate_keypair",
    "message_digest",
    "sign",
    "sm3",
    "verify",
    "z_value",
]

PRIVATE_KEY_SIZE: Final = 32


def check_private_key(private: bytes) -> None:
    """Raise :class:`KeyFormatError` unless ``private`` is a scalar in [1, n - 2]."""
    if len(private) != PRIVATE_KEY_SIZE:
        raise KeyFormatError(f"an SM2 private key is {PRIVATE_KEY_SIZE} bytes")
    if not 1 <= int.from_bytes(private, "big") <= N - 2:
        raise KeyFormatError("the SM2 private key is out of range")


def generate_keypair() -> tuple[bytes, bytes]:
    """A fresh ``(private, public)`` pair from GmSSL's OS-backed generator."""
    public, private = gmssl_pyx.sm2_key_generate()
    private_bytes, public_bytes = bytes(private), bytes(public)
    check_private_key(private_bytes)
    check_public_key(public_bytes)
    return private_bytes, public_bytes


def sign(private: bytes, public: bytes, message: bytes) -> bytes:
    """The raw ``r ‖ s`` SM2 signature of ``message`` by the key pair."""
    der = gmssl_pyx.sm2_sign_sm3_digest(private, message_digest(message, public))
    r, s = decode_dss_signature(bytes(der))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")
