"""Compact JWS: sealing, verification, and every way a token can be wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wuzheng.issuance.seals import (
    InvalidSignatureError,
    Keyring,
    KeySource,
    MalformedTokenError,
    SealKey,
    SealSuite,
    TokenClaimsError,
    UnknownKeyError,
    canonical_json,
    generate_seal_key,
    sign_compact,
    verify_compact,
)
from wuzheng.seals import b64url_decode, b64url_encode

SUITES = list(SealSuite)
LICENCE: dict[str, Any] = {
    "id": "1.2.156.3005.2.11100000000000000000A.91370784MA3C000001.0001.001.X",
    "name": "食品经营许可证",
    "holder": {"code": "91370784MA3C000001", "type": "001"},
    "valid": {"from": "2024-01-01", "to": "2029-12-31"},
}


@pytest.fixture(params=SUITES, ids=[s.value for s in SUITES])
def key(request: pytest.FixtureRequest) -> SealKey:
    suite: SealSuite = request.param
    return generate_seal_key(suite)


def _parts(token: str) -> list[str]:
    return token.split(".")


def _resign(key: SealKey, header: dict[str, Any], payload: bytes) -> str:
    """A token with an arbitrary header, validly signed by ``key``."""
    signing_input = f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(payload)}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode()))}"


def test_round_trip(key: SealKey) -> None:
    token = sign_compact(LICENCE, key, typ="wz-licence+jws")
    verified = verify_compact(token, key)
    assert verified.header == {"alg": key.alg, "kid": key.kid, "typ": "wz-licence+jws"}
    assert verified.payload == canonical_json(LICENCE)
    assert verified.claims == LICENCE


def test_structure(key: SealKey) -> None:
    token = sign_compact(LICENCE, key)
    header_b64, payload_b64, signature_b64 = _parts(token)
    assert b64url_decode(payload_b64) == canonical_json(LICENCE)
    assert json.loads(b64url_decode(header_b64))["alg"] == key.suite.jws_alg
    assert len(b64url_decode(signature_b64)) == 64  # Ed25519, or SM2 r ‖ s


def test_sm2_tokens_carry_the_private_use_alg() -> None:
    token = sign_compact({"a": 1}, generate_seal_key(SealSuite.SM2_SM3))
    assert json.loads(b64url_decode(_parts(token)[0]))["alg"] == "SM2SM3"


def test_every_key_source_works(key: SealKey) -> None:
    token = sign_compact(LICENCE, key)
    ring = Keyring("91370784MA3C000001", key)
    other = generate_seal_key()
    sources: list[KeySource] = [
        key,
        key.public_key,
        ring,
        ring.jwks(),
        key.public_jwk(),
        [other, key.public_key],
        (k for k in (other.public_key, key)),
    ]
    for source in sources:
        assert verify_compact(token, source).claims == LICENCE


def test_bytes_payloads_are_signed_as_given(key: SealKey) -> None:
    for payload in (b"", b"\x00\xff raw", "证照".encode()):
        assert verify_compact(sign_compact(payload, key), key).payload == payload


def test_ed25519_tokens_are_deterministic_over_the_canonical_form() -> None:
    key = generate_seal_key()
    reordered = dict(reversed(list(LICENCE.items())))
    assert sign_compact(LICENCE, key) == sign_compact(reordered, key)


def test_extra_headers(key: SealKey) -> None:
    token = sign_compact(b"x", key, extra_headers={"iss": "91370784MA3C000001", "x-seq": 3})
    header = verify_compact(token, key).header
    assert header["iss"] == "91370784MA3C000001"
    assert header["x-seq"] == 3
    for reserved in ("alg", "kid", "crit", "jwk", "b64"):
        with pytest.raises(ValueError, match="may not set"):
            sign_compact(b"x", key, extra_headers={reserved: "none"})


# -- tampering -----------------------------------------------------------------------------


def test_tampered_payload_is_rejected(key: SealKey) -> None:
    header, _, signature = _parts(sign_compact(LICENCE, key))
    forged = canonical_json({**LICENCE, "name": "假证"})
    with pytest.raises(InvalidSignatureError):
        verify_compact(f"{header}.{b64url_encode(forged)}.{signature}", key)


def test_tampered_header_is_rejected(key: SealKey) -> None:
    _, payload, signature = _parts(sign_compact(LICENCE, key, typ="a"))
    header = b64url_encode(canonical_json({"alg": key.alg, "kid": key.kid, "typ": "b"}))
    with pytest.raises(InvalidSignatureError):
        verify_compact(f"{header}.{payload}.{signature}", key)


@pytest.mark.parametrize("index", [0, 17, 31, 32, 63])
def test_tampered_signature_is_rejected(key: SealKey, index: int) -> None:
    header, payload, signature_b64 = _parts(sign_compact(LICENCE, key))
    signature = bytearray(b64url_decode(signature_b64))
    signature[index] ^= 0x80
    with pytest.raises(InvalidSignatureError):
        verify_compact(f"{header}.{payload}.{b64url_encode(bytes(signature))}", key)


def test_truncated_or_swapped_signature_is_rejected(key: SealKey) -> None:
    token = sign_compact(LICENCE, key)
    header, payload, signature = _parts(token)
    other = _parts(sign_compact({"other": True}, key))[2]
    truncated = b64url_encode(b64url_decode(signature)[:-3])
    for bad_signature in (truncated, other):
        with pytest.raises(InvalidSignatureError):
            verify_compact(f"{header}.{payload}.{bad_signature}", key)


def test_signature_by_another_key_under_this_kid_is_rejected(key: SealKey) -> None:
    impostor = generate_seal_key(key.suite)
    token = _resign(impostor, {"alg": key.alg, "kid": key.kid}, b"{}")
    with pytest.raises(InvalidSignatureError):
        verify_compact(token, key)


def test_unknown_kid_is_rejected(key: SealKey) -> None:
    token = sign_compact(LICENCE, key)
    with pytest.raises(UnknownKeyError):
        verify_compact(token, generate_seal_key(key.suite))
    with pytest.raises(UnknownKeyError):
        verify_compact(token, {"keys": [generate_seal_key().public_jwk()]})
    with pytest.raises(UnknownKeyError):
        verify_compact(token, [])


def test_alg_must_match_the_key(key: SealKey) -> None:
    # Claiming the other suite's alg for this key is refused before any signature check.
    other_alg = next(s.jws_alg for s in SealSuite if s is not key.suite)
    token = _resign(key, {"alg": other_alg, "kid": key.kid}, b"{}")
    with pytest.raises(InvalidSignatureError, match="does not match"):
        verify_compact(token, key)


@pytest.mark.parametrize("alg", ["none", "None", "HS256", "ES256", 5])
def test_foreign_algs_are_rejected(key: SealKey, alg: object) -> None:
    token = _resign(key, {"alg": alg, "kid": key.kid}, b"{}")
    with pytest.raises((MalformedTokenError, InvalidSignatureError)):
        verify_compact(token, key)


def test_unsigned_token_is_rejected(key: SealKey) -> None:
    header = b64url_encode(json.dumps({"alg": "none", "kid": key.kid}).encode())
    with pytest.raises(MalformedTokenError):
        verify_compact(f"{header}.{b64url_encode(b'{}')}.", key)


def test_critical_extensions_are_rejected(key: SealKey) -> None:
    token = _resign(key, {"alg": key.alg, "kid": key.kid, "crit": ["exp"], "exp": 1}, b"{}")
    with pytest.raises(MalformedTokenError, match="critical"):
        verify_compact(token, key)


def test_duplicate_header_members_are_rejected(key: SealKey) -> None:
    header = f'{{"alg":"{key.alg}","kid":"{key.kid}","kid":"x"}}'.encode()
    signing_input = f"{b64url_encode(header)}.{b64url_encode(b'{}')}"
    token = f"{signing_input}.{b64url_encode(key.sign(signing_input.encode()))}"
    with pytest.raises(MalformedTokenError, match="duplicate"):
        verify_compact(token, key)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJFZERTQSJ9==.e30.AAAA",
        "eyJhbGciOiJFZERTQSJ9.e30.AAA+",
        "W10.e30.AAAA",  # header is a JSON array
        "bm90IGpzb24.e30.AAAA",  # header is not JSON
        "_w.e30.AAAA",  # header is not UTF-8
        "eyJhbGciOiJFZERTQSJ9.e30.AAAA",  # no kid
        "eyJhbGciOiJFZERTQSJ9.e31.AAAA",  # non-canonical base64url
        "x" * (1 << 21),
    ],
)
def test_malformed_tokens_are_rejected(key: SealKey, token: str) -> None:
    with pytest.raises(MalformedTokenError):
        verify_compact(token, key)


def test_typ_is_checked_when_asked(key: SealKey) -> None:
    token = sign_compact(LICENCE, key, typ="application/wz-licence+jws")
    assert verify_compact(token, key, typ="WZ-licence+jws").claims == LICENCE
    with pytest.raises(TokenClaimsError, match="typ"):
        verify_compact(token, key, typ="statuslist+jwt")
    with pytest.raises(TokenClaimsError):
        verify_compact(sign_compact(LICENCE, key), key, typ="wz-licence+jws")


def test_claims_of_a_non_object_payload(key: SealKey) -> None:
    verified = verify_compact(sign_compact(b"[1]", key), key)
    with pytest.raises(MalformedTokenError, match="not a JSON object"):
        _ = verified.claims
