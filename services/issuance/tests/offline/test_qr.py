"""The compact QR form: RFC 9285 Base45 vectors, the WZ1: codec, and the rendered code."""

from __future__ import annotations

import re
import struct
import zlib

import base45  # type: ignore[import-untyped]
import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st

from wuzheng.issuance.offline import (
    QR_PREFIX,
    QrPayloadError,
    decode_qr_payload,
    encode_qr_payload,
    qr_png,
    qr_svg,
)
from wuzheng.issuance.seals import SealSuite, generate_seal_key, sign_compact, verify_compact

QR_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]*")
LICENCE = {
    "id": "1.2.156.3005.2.11100000000000000000A.11370784004377538A.0007.001.5",
    "name": "食品经营许可证",
    "holder": {"name": "安丘市某某餐饮店", "code": "92370784MA3C00000X"},
    "valid": {"from": "2024-01-01", "to": "2029-12-31"},
    "status": {"status_list": {"idx": 4711, "uri": "https://issuance.example/s/1"}},
}
jws_like = st.from_regex(
    r"[A-Za-z0-9_-]{1,60}\.[A-Za-z0-9_-]{0,300}\.[A-Za-z0-9_-]{1,90}", fullmatch=True
)


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
    ],
)
def test_rfc9285_vectors(raw: bytes, encoded: str) -> None:
    assert base45.b45encode(raw) == encoded.encode()
    assert base45.b45decode(encoded) == raw


@pytest.mark.parametrize("bad", ["GGW", "A", "bb8", "BB8~", ":::"])
def test_rfc9285_invalid_input_is_refused(bad: str) -> None:
    # "GGW" is 65535 + 1; one leftover character is impossible; lower case is not Base45.
    with pytest.raises(ValueError, match="base45"):
        base45.b45decode(bad)


@pytest.mark.parametrize("suite", list(SealSuite), ids=[s.value for s in SealSuite])
def test_licence_round_trip(suite: SealSuite) -> None:
    key = generate_seal_key(suite)
    jws = sign_compact(LICENCE, key)
    text = encode_qr_payload(jws)
    assert text.startswith("WZ1:")
    assert QR_ALPHANUMERIC.fullmatch(text)
    assert decode_qr_payload(text) == jws
    assert verify_compact(decode_qr_payload(text), key.public_jwk()).claims == LICENCE


def test_scanner_line_break_is_tolerated() -> None:
    jws = sign_compact(LICENCE, generate_seal_key())
    assert decode_qr_payload(encode_qr_payload(jws) + "\r\n") == jws


@given(jws_like)
def test_round_trip_property(jws: str) -> None:
    text = encode_qr_payload(jws)
    assert QR_ALPHANUMERIC.fullmatch(text)
    assert decode_qr_payload(text) == jws


@given(st.text(max_size=200))
def test_arbitrary_text_fails_cleanly(text: str) -> None:
    if text.startswith(QR_PREFIX):
        return  # covered by the Base45-valid property below
    with pytest.raises(QrPayloadError) as caught:
        decode_qr_payload(text)
    assert caught.value.reason == "prefix"


@given(st.binary(max_size=300))
def test_arbitrary_base45_payloads_fail_cleanly(data: bytes) -> None:
    text = QR_PREFIX + base45.b45encode(data).decode()
    with pytest.raises(QrPayloadError) as caught:
        decode_qr_payload(text)
    assert caught.value.reason in {"zlib", "content"}


def _b45(data: bytes) -> str:
    encoded: bytes = base45.b45encode(data)
    return QR_PREFIX + encoded.decode()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE", "prefix"),
        ("wz1:BB8", "prefix"),
        ("", "prefix"),
        ("WZ1:bb8", "base45"),
        ("WZ1:GGW", "base45"),
        ("WZ1:A", "base45"),
        ("WZ1:%69 VD92EX0", "zlib"),
        (_b45(zlib.compress(b"a.b.c")[:-3]), "zlib"),
        (_b45(zlib.compress(b"a.b.c") + b"x"), "zlib"),
        (_b45(zlib.compress(b"not a jws")), "content"),
        (_b45(zlib.compress("证.照.印".encode())), "content"),
        (_b45(zlib.compress(b"a" * 70_000 + b".b.c")), "content"),
    ],
)
def test_errors_name_the_failing_layer(text: str, reason: str) -> None:
    with pytest.raises(QrPayloadError) as caught:
        decode_qr_payload(text)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_encode_refuses_non_jws() -> None:
    for bad in ("", "a.b", "a.b.c.d", "证.照.印", "a.b.c\n"):
        with pytest.raises(ValueError, match="compact JWS"):
            encode_qr_payload(bad)


def test_alphanumeric_mode_keeps_the_code_small() -> None:
    text = encode_qr_payload(sign_compact(LICENCE, generate_seal_key(SealSuite.SM2_SM3)))
    alnum = segno.make_qr(text, error="q", mode="alphanumeric")
    as_bytes = segno.make_qr(text, error="q", mode="byte")
    assert alnum.mode == "alphanumeric"
    assert isinstance(alnum.version, int)
    assert isinstance(as_bytes.version, int)
    assert alnum.version < as_bytes.version


def test_png() -> None:
    text = encode_qr_payload(sign_compact(LICENCE, generate_seal_key()))
    png = qr_png(text, scale=3)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    version = segno.make_qr(text, error="q", mode="alphanumeric").version
    assert isinstance(version, int)
    modules = 17 + 4 * version + 2 * 4
    assert width == height == 3 * modules


def test_svg() -> None:
    text = encode_qr_payload(sign_compact(LICENCE, generate_seal_key()))
    svg = qr_svg(text)
    assert svg.startswith("<svg")
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert svg.rstrip().endswith("</svg>")
