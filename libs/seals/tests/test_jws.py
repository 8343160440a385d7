"""Compact JWS verification: interop with PyJWT, and everything that must be refused."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wuzheng.seals import (
    ED25519_JWS_ALG,
    SM2_JWS_ALG,
    InvalidSignatureError,
    JwkSet,
    MalformedTokenError,
    SealError,
    TokenClaimsError,
    UnknownKeyError,
    UnverifiedJws,
    b64url_encode,
    read_compact,
    verify_compact,
)

ALGS = (ED25519_JWS_ALG, SM2_JWS_ALG)


def read_unverified(text: str) -> UnverifiedJws:
    return read_compact(text, algs=ALGS, claims=True)


def part(obj: object) -> str:
    return b64url_encode(json.dumps(obj, separators=(",", ":")).encode())


def ed_jwk(key: Ed25519PrivateKey, kid: str) -> dict[str, str]:
    x = b64url_encode(key.public_key().public_bytes_raw())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def keys(key: Ed25519PrivateKey) -> JwkSet:
    return JwkSet.parse({"keys": [ed_jwk(key, "k1")]})


def token(key: Ed25519PrivateKey, claims: dict[str, object], **headers: str) -> str:
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "k1", **headers})


def test_pyjwt_tokens_verify(key: Ed25519PrivateKey, keys: JwkSet) -> None:
    verified = verify_compact(token(key, {"a": 1}, typ="x+jwt"), keys, typ="application/x+jwt")
    assert verified.claims == {"a": 1}
    assert verified.kid == "k1"


def test_tampered_and_foreign_tokens_fail(key: Ed25519PrivateKey, keys: JwkSet) -> None:
    good = token(key, {"outcome": "revoked"})
    header, _, signature = good.split(".")
    forged_payload = b64url_encode(json.dumps({"outcome": "valid"}).encode())
    with pytest.raises(InvalidSignatureError):
        verify_compact(f"{header}.{forged_payload}.{signature}", keys)
    with pytest.raises(InvalidSignatureError):
        verify_compact(token(Ed25519PrivateKey.generate(), {"a": 1}), keys)
    with pytest.raises(UnknownKeyError):
        verify_compact(jwt.encode({}, key, algorithm="EdDSA", headers={"kid": "k2"}), keys)
    with pytest.raises(TokenClaimsError):
        verify_compact(token(key, {}, typ="other+jwt"), keys, typ="x+jwt")


def test_algorithms_other_than_the_keys_are_refused(key: Ed25519PrivateKey, keys: JwkSet) -> None:
    hs = jwt.encode(
        {"a": 1}, "secret-that-is-long-enough-for-hs256!", algorithm="HS256", headers={"kid": "k1"}
    )
    with pytest.raises(MalformedTokenError, match="unsupported JWS alg"):
        verify_compact(hs, keys, algs=ALGS)
    unsigned = f"{part({'alg': 'none', 'kid': 'k1'})}.{part({})}."
    with pytest.raises(MalformedTokenError):
        verify_compact(unsigned, keys)
    # An EdDSA signature presented as SM2SM3 against an Ed25519 key.
    header = b64url_encode(b'{"alg":"SM2SM3","kid":"k1"}')
    payload = b64url_encode(b"{}")
    signature = b64url_encode(key.sign(f"{header}.{payload}".encode()))
    with pytest.raises(InvalidSignatureError, match="does not match"):
        verify_compact(f"{header}.{payload}.{signature}", keys)


@pytest.mark.parametrize(
    "text",
    [
        "a.b",
        "a.b.c.d",
        "e30.e30.!!",
        f"{part([1])}.e30.AA",
        f"{part({'alg': 'EdDSA'})}.e30.AA",
        f"{part({'alg': 'EdDSA', 'kid': 'k', 'crit': ['x']})}.e30.AA",
        b64url_encode(b'{"alg":"EdDSA","kid":"k","kid":"j"}') + ".e30.AA",
        f"{part({'alg': 'EdDSA', 'kid': 'k'})}.e30=.AA",
        f"{part({'alg': 'EdDSA', 'kid': 'k'})}.{part([])}.AA",
    ],
)
def test_malformed_tokens(text: str) -> None:
    with pytest.raises(MalformedTokenError):
        read_unverified(text)


def test_jwks_parsing_skips_what_it_cannot_use(key: Ed25519PrivateKey) -> None:
    good = ed_jwk(key, "good")
    parsed = JwkSet.parse(
        {
            "keys": [
                good,
                {**good, "kid": "private", "d": "AAAA"},
                {**good, "kid": "enc", "use": "enc"},
                {"kty": "RSA", "kid": "rsa", "n": "x", "e": "AQAB"},
                {**good, "kid": "short", "x": "AAAA"},
                {"kty": "EC", "crv": "SM2", "kid": "off-curve", "x": "A" * 43, "y": "A" * 43},
                "not an object",
            ]
        }
    )
    assert list(parsed.keys) == ["good"]
    assert len(parsed.skipped) == 6
    with pytest.raises(SealError, match="two keys"):
        JwkSet.parse({"keys": [good, good]})
    with pytest.raises(SealError):
        JwkSet.parse({"keys": "nope"})
    assert JwkSet.parse(None).keys == {}
