"""Errors of the offline-check formats (all :class:`SealError` subclasses)."""

from __future__ import annotations

from typing import Literal

from wuzheng.issuance.seals import SealError

QrFailure = Literal["prefix", "base45", "zlib", "content"]


class StatusListError(SealError, ValueError):
    """A status list is malformed (bits, encoding, compression) or an index is out of range."""


class QrPayloadError(SealError, ValueError):
    """A scanned QR text is not a ``WZ1:`` licence payload; :attr:`reason` says which layer."""

    def __init__(self, reason: QrFailure, detail: str) -> None:
        super().__init__(detail)
        self.reason: QrFailure = reason
