"""Decoding the QR form of a sealed licence: round trips, garbage, bombs."""

from __future__ import annotations

import zlib

import base45
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuzheng.seals import QrPayloadError, decode_qr_payload


@given(
    st.from_regex(r"[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{0,200}\.[A-Za-z0-9_-]{1,90}", fullmatch=True)
)
def test_qr_round_trip(jws: str) -> None:
    text = "WZ1:" + base45.b45encode(zlib.compress(jws.encode())).decode()
    assert decode_qr_payload(text) == jws
    assert decode_qr_payload(text + "\r\n") == jws


@given(st.text(max_size=60))
def test_qr_garbage_is_a_qr_error(text: str) -> None:
    with pytest.raises(QrPayloadError) as caught:
        decode_qr_payload("WZ1:" + text)
    assert caught.value.reason in ("base45", "zlib", "content")


def test_qr_bombs_are_refused() -> None:
    bomb = "WZ1:" + base45.b45encode(zlib.compress(b"a" * 200_000)).decode()
    with pytest.raises(QrPayloadError) as caught:
        decode_qr_payload(bomb)
    assert caught.value.reason == "content"
