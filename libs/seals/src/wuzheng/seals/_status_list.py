"""Status lists as the IETF Token Status List draft (draft-ietf-oauth-status-list) defines them.

A list is a byte array of ``bits``-wide entries. Entry ``i`` lives in byte ``i * bits // 8``,
starting at its least significant bit: with ``bits=2``, entry 0 is bits 0-1 of byte 0 and entry
3 is bits 6-7. The JSON form is ``{"bits": 2, "lst": base64url(zlib(DEFLATE, level 9) of the
array)}``.

Status values (the draft's registry): 0 VALID, 1 INVALID, 2 SUSPENDED, 3 application-specific.
We use 3 for SUPERSEDED. Mapping the GB/T 36903 licence states:

=======================  ==================
licence state            status list value
=======================  ==================
01 有效 (valid)          0 VALID
02 暂扣 (suspended)      2 SUSPENDED
03 撤销, 04 注销, 07 吊销  1 INVALID
05 失效 (declared void)  1 INVALID
amended: older version   3 SUPERSEDED
expired by date          0 — the sealed licence carries its validity dates; offline verifiers
                         check them. Nothing is written to the list when a date passes.
=======================  ==================
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from enum import IntEnum
from typing import Any, Final

from wuzheng.seals._b64 import b64url_decode, b64url_encode
from wuzheng.seals._errors import StatusListError

ALLOWED_BITS: Final = (1, 2, 4, 8)
MAX_LIST_BYTES: Final = 16 * 1024 * 1024  # decompression cap: 64 Mi entries at 2 bits


class Status(IntEnum):
    """Status values of a referenced token (a sealed licence)."""

    VALID = 0x00
    INVALID = 0x01  # revoked, cancelled, withdrawn: final
    SUSPENDED = 0x02  # 暂扣: may be reinstated
    SUPERSEDED = 0x03  # the draft's application-specific 0x03: a newer version was issued


class StatusList:
    """A mutable status list; unset entries are 0 (VALID).

    ``size`` is a minimum capacity in entries. :meth:`set` grows the list as needed. For herd
    privacy the issuer should allocate indices at random in a large list rather than in order.
    """

    __slots__ = ("_bits", "_data")

    def __init__(self, bits: int = 2, size: int = 0) -> None:
        if bits not in ALLOWED_BITS:
            raise StatusListError(f"bits must be one of {ALLOWED_BITS}, not {bits!r}")
        if size < 0:
            raise StatusListError("size must not be negative")
        self._bits = bits
        self._data = bytearray(-(-size * bits // 8))

    @property
    def bits(self) -> int:
        return self._bits

    def __len__(self) -> int:
        """Number of entries the list holds (whole bytes' worth)."""
        return len(self._data) * 8 // self._bits

    def get(self, index: int) -> int:
        """The status at ``index``; :class:`StatusListError` outside the list."""
        if not 0 <= index < len(self):
            raise StatusListError(f"index {index} is outside the status list (size {len(self)})")
        byte, shift = divmod(index * self._bits, 8)
        return (self._data[byte] >> shift) & ((1 << self._bits) - 1)

    def set(self, index: int, status: int) -> None:
        """Set the status at ``index`` (growing the list if needed)."""
        if index < 0:
            raise StatusListError("index must not be negative")
        if not 0 <= status < (1 << self._bits):
            raise StatusListError(f"status {status} does not fit in {self._bits} bits")
        byte, shift = divmod(index * self._bits, 8)
        if byte >= len(self._data):
            self._data.extend(bytes(byte + 1 - len(self._data)))
        mask = ((1 << self._bits) - 1) << shift
        self._data[byte] = (self._data[byte] & ~mask) | (status << shift)

    def to_bytes(self) -> bytes:
        """The raw (uncompressed) byte array."""
        return bytes(self._data)

    @classmethod
    def from_bytes(cls, data: bytes, bits: int) -> StatusList:
        status_list = cls(bits)
        status_list._data = bytearray(data)
        return status_list

    def encode(self) -> str:
        """The ``lst`` value: base64url of the zlib-compressed array."""
        return b64url_encode(zlib.compress(bytes(self._data), level=9))

    def to_json(self) -> dict[str, Any]:
        """The draft's JSON ``status_list`` object, ``{"bits": …, "lst": …}``."""
        return {"bits": self._bits, "lst": self.encode()}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> StatusList:
        """Read a ``status_list`` object; :class:`StatusListError` if malformed."""
        bits, lst = obj.get("bits"), obj.get("lst")
        if isinstance(bits, bool) or not isinstance(bits, int) or bits not in ALLOWED_BITS:
            raise StatusListError("status_list.bits must be 1, 2, 4 or 8")
        if not isinstance(lst, str):
            raise StatusListError("status_list.lst must be a string")
        try:
            compressed = b64url_decode(lst)
        except ValueError as exc:  # "not unpadded base64url" or "non-canonical base64url"
            raise StatusListError(str(exc)) from None
        return cls.from_bytes(_inflate(compressed), bits)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusList):
            return NotImplemented
        return self._bits == other._bits and self._data == other._data

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"StatusList(bits={self._bits}, size={len(self)})"


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(data, MAX_LIST_BYTES)
    except zlib.error:
        raise StatusListError("status_list.lst is not zlib data") from None
    if inflater.unconsumed_tail:
        raise StatusListError(
            f"status_list.lst exceeds {MAX_LIST_BYTES} bytes (a status list larger than the limit)"
        )
    if not inflater.eof or inflater.unused_data:
        raise StatusListError("status_list.lst is truncated or has trailing data")
    return raw
