"""SM2 signature verification with SM3 (GB/T 32918.2-2016, GM/T 0009-2012), over GmSSL.

Seals of the 国密 suite are JWS with ``alg`` ``SM2SM3``: an SM2 signature over
``e = SM3(Z_A ‖ M)`` with ``Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA)`` and the default
signer ID ``1234567812345678``, sent as raw ``r ‖ s`` (32 bytes each, as JOSE does for ECDSA).
The digest is computed here, independently of the library; the curve arithmetic of the final
check is GmSSL 3.2's (``gmssl-pyx``, the C binding of the reference open-source 国密
implementation), given the digest and the DER form of ``(r, s)``. (GmSSL's own message-level
call does the same but is ten times slower than its digest-level one.)

Only the public half lives here; signing stays with the issuer that holds the private key.

Note: GmSSL writes a short trace to the process's stderr when a verification fails. It names
source lines only, never key material.
"""

from __future__ import annotations

from typing import Final

import gmssl_pyx  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from wuzheng.seals._errors import KeyFormatError

__all__ = [
    "DEFAULT_SIGNER_ID",
    "PUBLIC_KEY_SIZE",
    "SIGNATURE_SIZE",
    "check_public_key",
    "is_curve_point",
    "message_digest",
    "sm3",
    "verify",
    "z_value",
]

# The recommended curve (GB/T 32918.5-2017).
P: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B: Final = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX: Final = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY: Final = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

DEFAULT_SIGNER_ID: Final = b"1234567812345678"
PUBLIC_KEY_SIZE: Final = 64  # x ‖ y, without the 0x04 prefix
SIGNATURE_SIZE: Final = 64  # r ‖ s

_CURVE_BYTES: Final = b"".join(v.to_bytes(32, "big") for v in (A, B, GX, GY))


def sm3(data: bytes) -> bytes:
    """The SM3 digest of ``data`` (GB/T 32905)."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def is_curve_point(public: bytes) -> bool:
    """Whether ``public`` is ``x ‖ y`` of a point on the curve (cofactor 1: in the group)."""
    if len(public) != PUBLIC_KEY_SIZE:
        return False
    x = int.from_bytes(public[:32], "big")
    y = int.from_bytes(public[32:], "big")
    return x < P and y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def check_public_key(public: bytes) -> None:
    """Raise :class:`KeyFormatError` unless ``public`` is ``x ‖ y`` of a point on the curve."""
    if len(public) != PUBLIC_KEY_SIZE:
        raise KeyFormatError(f"an SM2 public key is {PUBLIC_KEY_SIZE} bytes (x ‖ y)")
    if not is_curve_point(public):
        raise KeyFormatError("the SM2 public key is not a point on the curve")


def z_value(public: bytes, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
    """``Z_A``: the signer's identity hash that SM2 prefixes to the message."""
    entl = (len(signer_id) * 8).to_bytes(2, "big")
    return sm3(entl + signer_id + _CURVE_BYTES + public)


def message_digest(message: bytes, public: bytes, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
    """``e = SM3(Z_A ‖ M)``, the value SM2 signs."""
    return sm3(z_value(public, signer_id) + message)


def verify(
    public: bytes, message: bytes, signature: bytes, signer_id: bytes = DEFAULT_SIGNER_ID
) -> bool:
    """Whether ``signature`` (raw ``r ‖ s``) is the SM2 signature of ``message`` by ``public``."""
    if len(signature) != SIGNATURE_SIZE or not is_curve_point(public):
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= s < N):
        return False
    digest = message_digest(message, public, signer_id)
    try:
        ok = gmssl_pyx.sm2_verify_sm3_digest(public, digest, encode_dss_signature(r, s))
    except (gmssl_pyx.GmsslInnerError, gmssl_pyx.InvalidValueError):
        return False
    return ok is True
