"""What one access record holds and how the chain links records.

``hash = SHA-256(prev_hash ‖ "\\n" ‖ canonical JSON of the record's fields)``, where the
canonical JSON has sorted keys, no whitespace and UTF-8 text, and ``recorded_at`` is written
as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``. The first record's ``prev_hash`` is 64 zeros. Changing,
removing or reordering any record changes every hash after it; the chain head (last seq and
hash) is kept beside the records, so removing records at the end shows too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from wuzheng.contracts import HolderCode, VerificationMode
from wuzheng.contracts.events.verification import AccessKind

__all__ = [
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "AccessEntry",
    "Recorded",
    "ResultClass",
    "Usage",
    "canonical_detail",
    "record_hash",
]

GENESIS_HASH: Final = "0" * 64
ResultClass = Literal["answered", "refused", "failed"]

HASHED_FIELDS: Final = (
    "seq",
    "record_id",
    "recorded_at",
    "day",
    "kind",
    "caller_department",
    "operator_id",
    "item_seq_no",
    "purpose",
    "licence_id",
    "type_code",
    "issuer_code",
    "holder_hmac",
    "holder_masked",
    "result",
    "result_class",
    "mode",
    "detail",
)


@dataclass(frozen=True)
class Usage:
    """One licence an access used (the statistics count these)."""

    licence_id: str
    type_code: str
    issuer_code: str


@dataclass(frozen=True)
class AccessEntry:
    """What a request asks the access log to record."""

    kind: AccessKind
    caller_department: str
    operator_id: str | None
    item_seq_no: int | None
    purpose: str
    holder: HolderCode
    result: str
    result_class: ResultClass
    licence_id: str | None = None
    type_code: str | None = None
    issuer_code: str | None = None
    mode: VerificationMode | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    usages: tuple[Usage, ...] = ()
    consent_id: str | None = None  # announced with the event (not a column: it is in detail)


@dataclass(frozen=True)
class Recorded:
    record_id: str
    seq: int
    recorded_at: datetime
    hash: str


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_detail(detail: Mapping[str, Any]) -> str:
    return json.dumps(
        detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def record_hash(prev_hash: str, values: Mapping[str, Any]) -> str:
    body = {
        name: _timestamp(values[name]) if name == "recorded_at" else values[name]
        for name in HASHED_FIELDS
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()
