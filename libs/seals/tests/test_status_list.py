"""Status lists: the IETF Token Status List draft's encoding, vectors and bounds."""

from __future__ import annotations

import base64
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuzheng.seals import Status, StatusList, StatusListError, _status_list

# draft-ietf-oauth-status-list, "Status List" section: the 1-bit and 2-bit examples.
DRAFT_1BIT = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
DRAFT_2BIT = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]


def _filled(bits: int, statuses: list[int]) -> StatusList:
    status_list = StatusList(bits=bits)
    for index, status in enumerate(statuses):
        status_list.set(index, status)
    return status_list


def test_draft_one_bit_example() -> None:
    status_list = _filled(1, DRAFT_1BIT)
    assert status_list.to_bytes() == bytes([0xB9, 0xA3])
    assert status_list.to_json() == {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}
    parsed = StatusList.from_json({"bits": 1, "lst": "eNrbuRgAAhcBXQ"})
    assert [parsed.get(i) for i in range(16)] == DRAFT_1BIT


def test_draft_two_bit_example() -> None:
    status_list = _filled(2, DRAFT_2BIT)
    assert status_list.to_bytes() == bytes([0xC9, 0x44, 0xF9])
    assert status_list.to_json() == {"bits": 2, "lst": "eNo76fITAAPfAgc"}
    parsed = StatusList.from_json({"bits": 2, "lst": "eNo76fITAAPfAgc"})
    assert [parsed.get(i) for i in range(12)] == DRAFT_2BIT
    assert parsed == status_list


def test_index_zero_is_in_the_least_significant_bits() -> None:
    two = StatusList(bits=2)
    two.set(0, Status.INVALID)
    assert two.to_bytes() == b"\x01"
    two.set(3, Status.SUPERSEDED)
    assert two.to_bytes() == b"\xc1"
    four = StatusList(bits=4)
    four.set(1, 0xA)
    assert four.to_bytes() == b"\xa0"
    eight = StatusList(bits=8)
    eight.set(2, 0x7F)
    assert eight.to_bytes() == b"\x00\x00\x7f"


def test_lst_is_unpadded_base64url_of_zlib() -> None:
    status_list = _filled(2, DRAFT_2BIT * 50)
    lst = status_list.encode()
    assert "=" not in lst
    raw = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    assert raw == status_list.to_bytes()


def test_status_values_follow_the_draft_registry() -> None:
    assert [int(s) for s in Status] == [0, 1, 2, 3]
    assert (Status.VALID, Status.INVALID, Status.SUSPENDED) == (0, 1, 2)


def test_set_overwrites_and_leaves_neighbours_alone() -> None:
    status_list = _filled(2, [3, 3, 3, 3])
    status_list.set(1, Status.VALID)
    assert [status_list.get(i) for i in range(4)] == [3, 0, 3, 3]


def test_size_and_growth() -> None:
    status_list = StatusList(bits=2, size=10)
    assert len(status_list) == 12  # whole bytes
    assert all(status_list.get(i) == Status.VALID for i in range(12))
    status_list.set(100, Status.SUSPENDED)
    assert len(status_list) == 104
    assert status_list.get(100) == Status.SUSPENDED


def test_bounds() -> None:
    status_list = StatusList(bits=2, size=8)
    for index in (-1, 8, 1000):
        with pytest.raises(StatusListError, match="outside"):
            status_list.get(index)
    with pytest.raises(StatusListError, match="negative"):
        status_list.set(-1, 0)
    with pytest.raises(StatusListError, match="does not fit"):
        status_list.set(0, 4)
    with pytest.raises(StatusListError, match="does not fit"):
        StatusList(bits=1).set(0, 2)
    for bits in (0, 3, 16):
        with pytest.raises(StatusListError, match="bits"):
            StatusList(bits=bits)
    with pytest.raises(StatusListError):
        StatusList(size=-1)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"bits": 3, "lst": "eNrbuRgAAhcBXQ"}, "bits"),
        ({"bits": True, "lst": "eNrbuRgAAhcBXQ"}, "bits"),
        ({"lst": "eNrbuRgAAhcBXQ"}, "bits"),
        ({"bits": 1, "lst": 5}, "string"),
        ({"bits": 1, "lst": "eNrbuRgAAhcBXQ=="}, "base64url"),
        ({"bits": 1, "lst": "bm90IHpsaWI"}, "zlib"),
        ({"bits": 1, "lst": "eNrbuRgAAhcB"}, "truncated"),
    ],
)
def test_malformed_json_is_refused(obj: dict[str, object], message: str) -> None:
    with pytest.raises(StatusListError, match=message):
        StatusList.from_json(obj)


def test_trailing_data_after_the_zlib_stream_is_refused() -> None:
    lst = base64.urlsafe_b64encode(zlib.compress(b"\x00") + b"junk").rstrip(b"=").decode()
    with pytest.raises(StatusListError, match="trailing"):
        StatusList.from_json({"bits": 1, "lst": lst})


def test_decompression_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_status_list, "MAX_LIST_BYTES", 1024)
    bomb = StatusList(bits=1, size=8 * 4096).to_json()
    with pytest.raises(StatusListError, match="larger"):
        StatusList.from_json(bomb)


def test_equality_and_repr() -> None:
    assert StatusList(bits=2, size=4) == StatusList(bits=2, size=4)
    assert StatusList(bits=2, size=4) != StatusList(bits=1, size=8)
    assert StatusList() != "a list"
    assert repr(StatusList(bits=2, size=8)) == "StatusList(bits=2, size=8)"


@given(
    st.sampled_from([1, 2, 4, 8]).flatmap(
        lambda bits: st.tuples(
            st.just(bits),
            st.dictionaries(
                st.integers(min_value=0, max_value=5000),
                st.integers(min_value=0, max_value=(1 << bits) - 1),
                max_size=50,
            ),
        )
    )
)
def test_round_trip(case: tuple[int, dict[int, int]]) -> None:
    bits, entries = case
    status_list = StatusList(bits=bits, size=64)
    for index, status in entries.items():
        status_list.set(index, status)
    parsed = StatusList.from_json(status_list.to_json())
    assert parsed == status_list
    for index in range(len(parsed)):
        assert parsed.get(index) == entries.get(index, 0)
