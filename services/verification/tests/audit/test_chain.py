"""The record hash: every hashed field counts, the link to the previous record counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from wuzheng.verification.audit.chain import GENESIS_HASH, HASHED_FIELDS, record_hash

RECORD: dict[str, Any] = {
    "seq": 1,
    "record_id": "0190f0f0-0000-7000-8000-000000000001",
    "recorded_at": datetime(2024, 5, 1, 8, 30, 0, 123456, tzinfo=UTC),
    "day": "2024-05-01",
    "kind": "verification",
    "caller_department": "civil-affairs",
    "operator_id": "op-7",
    "item_seq_no": 5,
    "purpose": "核验",
    "licence_id": "1.2.156.3005.2.X",
    "type_code": "11370784PH40135152001",
    "issuer_code": "11370784PH40135152",
    "holder_hmac": "ab" * 32,
    "holder_masked": "111:3707**********1239",
    "result": "valid",
    "result_class": "answered",
    "mode": "online",
    "detail": "{}",
}


def test_hash_is_stable_and_covers_every_field() -> None:
    digest = record_hash(GENESIS_HASH, RECORD)
    assert digest == record_hash(GENESIS_HASH, dict(RECORD))
    assert len(digest) == 64
    assert record_hash("1" * 64, RECORD) != digest
    assert set(HASHED_FIELDS) == set(RECORD)
    for name in HASHED_FIELDS:
        changed = dict(RECORD)
        value = RECORD[name]
        changed[name] = (
            value.replace(microsecond=1)
            if isinstance(value, datetime)
            else value + 1
            if isinstance(value, int)
            else value + "x"
        )
        assert record_hash(GENESIS_HASH, changed) != digest, name


def test_the_same_instant_in_another_zone_hashes_the_same() -> None:
    from zoneinfo import ZoneInfo

    local = {**RECORD, "recorded_at": RECORD["recorded_at"].astimezone(ZoneInfo("Asia/Shanghai"))}
    assert record_hash(GENESIS_HASH, local) == record_hash(GENESIS_HASH, RECORD)


def test_none_and_empty_differ() -> None:
    with_none = {**RECORD, "operator_id": None}
    with_empty = {**RECORD, "operator_id": ""}
    assert record_hash(GENESIS_HASH, with_none) != record_hash(GENESIS_HASH, with_empty)


@pytest.mark.parametrize("missing", ["seq", "detail"])
def test_a_missing_field_is_an_error(missing: str) -> None:
    with pytest.raises(KeyError):
        record_hash(GENESIS_HASH, {k: v for k, v in RECORD.items() if k != missing})
