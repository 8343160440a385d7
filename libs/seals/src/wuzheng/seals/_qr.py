"""The compact QR form of a sealed licence, as the EU Digital COVID Certificate does it.

``WZ1:`` + Base45(zlib(compact JWS)). Base45 (RFC 9285) uses exactly the 45 characters of the
QR alphanumeric mode, so the code is encoded in that mode (5.5 bits a character) rather than
byte mode (8 bits). The JWS inside verifies with the issuer's JWKS; its status with the
issuer's status list: nothing else is needed offline.
"""

from __future__ import annotations

import re
import zlib
from typing import Final

import base45  # type: ignore[import-untyped]

from wuzheng.seals._errors import QrPayloadError

QR_PREFIX: Final = "WZ1:"
MAX_JWS_BYTES: Final = 64 * 1024
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+")


def encode_qr_payload(jws: str) -> str:
    """The QR text of a compact JWS: ``WZ1:`` + Base45(zlib(jws))."""
    if not _COMPACT_JWS.fullmatch(jws):
        raise ValueError("not a compact JWS")
    encoded: bytes = base45.b45encode(zlib.compress(jws.encode("ascii"), level=9))
    return QR_PREFIX + encoded.decode("ascii")


def decode_qr_payload(text: str) -> str:
    """The compact JWS inside a scanned QR text.

    :class:`QrPayloadError` with ``reason`` ``prefix`` (not a ``WZ1:`` code), ``base45``,
    ``zlib`` or ``content`` (not a compact JWS, or larger than 64 KiB). The signature is not
    checked here: pass the result to ``verify_compact`` with the issuer's JWKS.
    """
    text = text.rstrip("\r\n")  # scanners often append a line break; Base45 has none
    if not text.startswith(QR_PREFIX):
        raise QrPayloadError("prefix", f"not a licence code (expected the prefix {QR_PREFIX!r})")
    try:
        compressed: bytes = base45.b45decode(text[len(QR_PREFIX) :])
    except ValueError:
        raise QrPayloadError("base45", "the code's payload is not valid Base45") from None
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, MAX_JWS_BYTES)
    except zlib.error:
        raise QrPayloadError("zlib", "the code's payload is not zlib data") from None
    if inflater.unconsumed_tail:
        raise QrPayloadError("content", f"the code's payload exceeds {MAX_JWS_BYTES} bytes")
    if not inflater.eof or inflater.unused_data:
        raise QrPayloadError("zlib", "the code's payload is truncated or has trailing data")
    try:
        jws = raw.decode("ascii")
    except UnicodeDecodeError:
        raise QrPayloadError("content", "the code does not hold a compact JWS") from None
    if not _COMPACT_JWS.fullmatch(jws):
        raise QrPayloadError("content", "the code does not hold a compact JWS")
    return jws
