"""SM2 signatures with SM3 (GB/T 32918.2-2016, GM/T 0009-2012), over GmSSL.

The elliptic-curve work is done by ``gmssl-pyx``, a C binding of GmSSL 3.2 (the reference
open-source 国密 implementation). GmSSL draws the signing nonce k from its ``rand_bytes``,
which reads the operating system's CSPRNG (``/dev/urandom``) — the same source as Python's
:mod:`secrets`; no non-cryptographic generator is involved. The pure-Python ``gmssl`` package
was rejected because it draws k from :mod:`random`.

The message digest is computed here, independently of the library:
``e = SM3(Z ‖ M)`` with ``Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA)`` and the default signer
ID ``1234567812345678``. (GmSSL's own message-level call does the same but is ten times slower
than its digest-level one.) Signatures are raw ``r ‖ s``, 32 bytes each, as JOSE does for ECDSA.

Note: GmSSL writes a short trace to the process's stderr when a verification fails. It names
source lines only, never key material.
"""

from __future__ import annotations

from typing import Final

import gmssl_pyx  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from wuzheng.issuance.seals._errors import KeyFormatError

# The recommended curve (GB/T 32918.5-2017).
P: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B: Final = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX: Final = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY: Final = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

DEFAULT_SIGNER_ID: Final = b"1234567812345678"
PRIVATE_KEY_SIZE: Final = 32
PUBLIC_KEY_SIZE: Final = 64  # x ‖ y, without the 0x04 prefix
SIGNATURE_SIZE: Final = 64  # r ‖ s

_CURVE_BYTES: Final = b"".join(v.to_bytes(32, "big") for v in (A, B, GX, GY))


def sm3(data: bytes) -> bytes:
    """The SM3 digest of ``data`` (GB/T 32905)."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def check_public_key(public: bytes) -> None:
    """Raise :class:`KeyFormatError` unless ``public`` is ``x ‖ y`` of a point on the curve."""
    if len(public) != PUBLIC_KEY_SIZE:
        raise KeyFormatError(f"an SM2 public key is {PUBLIC_KEY_SIZE} bytes (x ‖ y)")
    x = int.from_bytes(public[:32], "big")
    y = int.from_bytes(public[32:], "big")
    # The curve has cofactor 1, so a point on it lies in the prime-order group.
    if not (x < P and y < P and (y * y - (x * x * x + A * x + B)) % P == 0):
        raise KeyFormatError("the SM2 public key is not a point on the curve")


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


def z_value(public: bytes, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
    """``Z_A``: the signer's identity hash that SM2 prefixes to the message."""
    entl = (len(signer_id) * 8).to_bytes(2, "big")
    return sm3(entl + signer_id + _CURVE_BYTES + public)


def message_digest(message: bytes, public: bytes, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
    """``e = SM3(Z_A ‖ M)``, the value SM2 signs."""
    return sm3(z_value(public, signer_id) + message)


def sign(private: bytes, public: bytes, message: bytes) -> bytes:
    """The raw ``r ‖ s`` SM2 signature of ``message`` by the key pair."""
    der = gmssl_pyx.sm2_sign_sm3_digest(private, message_digest(message, public))
    r, s = decode_dss_signature(bytes(der))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (raw ``r ‖ s``) is the key's SM2 signature of ``message``."""
    if len(signature) != SIGNATURE_SIZE:
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= s < N):
        return False
    try:
        ok = gmssl_pyx.sm2_verify_sm3_digest(
            public, message_digest(message, public), encode_dss_signature(r, s)
        )
    except gmssl_pyx.GmsslInnerError:
        return False
    return ok is True
