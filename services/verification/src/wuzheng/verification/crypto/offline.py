"""What an offline check reads: the licence's compact QR form and the issuer's status list.

- QR form (as the EU Digital COVID Certificate): ``WZ1:`` + Base45 (RFC 9285) of the zlib
  compressed compact JWS of the sealed licence.
- Status list: an IETF Token Status List JWT (``typ`` ``statuslist+jwt``) whose
  ``status_list`` is ``{"bits": b, "lst": base64url(zlib(bytes))}``; entry ``i`` sits in byte
  ``i*b // 8`` starting at its least significant bit. Values: 0 valid, 1 invalid, 2 suspended,
  3 superseded (the application-specific value the issuance service uses).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any, Final, Literal

import base45  # type: ignore[import-untyped]

from wuzheng.verification.crypto.jose import (
    JoseError,
    JwkSet,
    MalformedJws,
    b64url_decode,
    verify_compact,
)

__all__ = [
    "QR_PREFIX",
    "STATUS_LIST_TYP",
    "ListStatus",
    "QrError",
    "StatusListError",
    "StatusListToken",
    "decode_qr",
    "read_status_list_token",
]

QR_PREFIX: Final = "WZ1:"
STATUS_LIST_TYP: Final = "statuslist+jwt"
MAX_JWS_BYTES: Final = 64 * 1024
MAX_LIST_BYTES: Final = 16 * 1024 * 1024
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+")

QrLayer = Literal["prefix", "base45", "zlib", "content"]


class QrError(ValueError):
    """A QR text that is not a licence code; ``layer`` says which layer is wrong."""

    def __init__(self, layer: QrLayer, detail: str) -> None:
        super().__init__(detail)
        self.layer: QrLayer = layer


class StatusListError(ValueError):
    """A status list token that cannot be used, or an index outside the list."""


class ListStatus(IntEnum):
    VALID = 0
    INVALID = 1
    SUSPENDED = 2
    SUPERSEDED = 3


def _inflate(data: bytes, limit: int, what: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(data, limit)
    except zlib.error:
        raise ValueError(f"{what} is not zlib data") from None
    if inflater.unconsumed_tail:
        raise ValueError(f"{what} exceeds {limit} bytes")
    if not inflater.eof or inflater.unused_data:
        raise ValueError(f"{what} is truncated or has trailing data")
    return raw


def decode_qr(text: str) -> str:
    """The compact JWS inside a scanned ``WZ1:`` text (signature not checked here)."""
    text = text.rstrip("\r\n")
    if not text.startswith(QR_PREFIX):
        raise QrError("prefix", f"not a licence code (expected the prefix {QR_PREFIX!r})")
    try:
        compressed: bytes = base45.b45decode(text[len(QR_PREFIX) :])
    except ValueError:
        raise QrError("base45", "the code's payload is not valid Base45") from None
    try:
        raw = _inflate(compressed, MAX_JWS_BYTES, "the code's payload")
    except ValueError as exc:
        layer: QrLayer = "content" if "exceeds" in str(exc) else "zlib"
        raise QrError(layer, str(exc)) from None
    try:
        jws = raw.decode("ascii")
    except UnicodeDecodeError:
        raise QrError("content", "the code does not hold a compact JWS") from None
    if not _COMPACT_JWS.fullmatch(jws):
        raise QrError("content", "the code does not hold a compact JWS")
    return jws


@dataclass(frozen=True)
class StatusListToken:
    """A verified status list token of one issuer."""

    uri: str
    issuer: str | None
    bits: int
    data: bytes
    issued_at: datetime
    expires_at: datetime | None
    ttl: timedelta | None
    kid: str

    def age(self, now: datetime | None = None) -> timedelta:
        return (now or datetime.now(UTC)) - self.issued_at

    def get(self, index: int) -> int:
        size = len(self.data) * 8 // self.bits
        if not 0 <= index < size:
            raise StatusListError(f"index {index} is outside the status list (size {size})")
        byte, shift = divmod(index * self.bits, 8)
        return (self.data[byte] >> shift) & ((1 << self.bits) - 1)

    def status_of(self, reference: Mapping[str, Any]) -> int:
        """The entry a licence's ``status`` claim points at (it must name this list)."""
        entry = reference.get("status_list")
        if not isinstance(entry, Mapping):
            raise StatusListError("the status claim has no status_list reference")
        idx, uri = entry.get("idx"), entry.get("uri")
        if uri != self.uri:
            raise StatusListError(f"the licence refers to list {uri!r}, not {self.uri!r}")
        if isinstance(idx, bool) or not isinstance(idx, int):
            raise StatusListError("the status reference's idx is not an integer")
        return self.get(idx)


def _numeric_date(claims: Mapping[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StatusListError(f"the status list token's {name} is not a NumericDate")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise StatusListError(f"the status list token's {name} is out of range") from None


def read_status_list_token(token: str, keys: JwkSet) -> StatusListToken:
    """Verify a status list token with the issuer's keys and read it (expired ones too: the
    caller reports the list's age and applies its own limit)."""
    try:
        verified = verify_compact(token, keys, typ=STATUS_LIST_TYP)
    except MalformedJws as exc:
        raise StatusListError(f"the status list token is malformed: {exc}") from None
    except JoseError as exc:
        raise StatusListError(f"the status list token does not verify: {exc}") from None
    claims = verified.claims
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise StatusListError("the status list token has no sub (its URI)")
    issued_at = _numeric_date(claims, "iat")
    if issued_at is None:
        raise StatusListError("the status list token has no iat")
    ttl = claims.get("ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0):
        raise StatusListError("the status list token's ttl is not a positive integer")
    body = claims.get("status_list")
    if not isinstance(body, Mapping):
        raise StatusListError("the status list token has no status_list object")
    bits, lst = body.get("bits"), body.get("lst")
    if isinstance(bits, bool) or bits not in (1, 2, 4, 8):
        raise StatusListError("status_list.bits must be 1, 2, 4 or 8")
    if not isinstance(lst, str):
        raise StatusListError("status_list.lst must be a string")
    try:
        data = _inflate(b64url_decode(lst), MAX_LIST_BYTES, "status_list.lst")
    except ValueError as exc:
        raise StatusListError(str(exc)) from None
    iss = claims.get("iss")
    return StatusListToken(
        uri=sub,
        issuer=iss if isinstance(iss, str) else None,
        bits=int(bits),
        data=data,
        issued_at=issued_at,
        expires_at=_numeric_date(claims, "exp"),
        ttl=timedelta(seconds=ttl) if ttl is not None else None,
        kid=verified.kid,
    )
