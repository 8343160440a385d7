"""Status List Tokens: sealed, verified, aged; and the whole offline check end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from wuzheng.issuance.offline import (
    STATUS_LIST_TYP,
    Status,
    StatusList,
    StatusListError,
    decode_qr_payload,
    encode_qr_payload,
    parse_status_list_token,
    status_list_token,
    status_reference,
)
from wuzheng.issuance.seals import (
    InvalidSignatureError,
    Keyring,
    SealKey,
    SealSuite,
    TokenClaimsError,
    TokenExpiredError,
    generate_seal_key,
    sign_compact,
    verify_compact,
)
from wuzheng.seals import b64url_decode

ISSUER = "11370784004377538A"
URI = "https://issuance.example/v1/issuers/11370784004377538A/status/1"
T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
SUITES = list(SealSuite)


@pytest.fixture(params=SUITES, ids=[s.value for s in SUITES])
def key(request: pytest.FixtureRequest) -> SealKey:
    suite: SealSuite = request.param
    return generate_seal_key(suite)


def _sample() -> StatusList:
    status_list = StatusList(bits=2, size=1024)
    status_list.set(7, Status.SUSPENDED)
    status_list.set(9, Status.INVALID)
    status_list.set(11, Status.SUPERSEDED)
    return status_list


def test_round_trip(key: SealKey) -> None:
    token = status_list_token(
        ISSUER, _sample(), key, uri=URI, ttl=timedelta(minutes=30), issued_at=T0
    )
    parsed = parse_status_list_token(token, {"keys": [key.public_jwk()]}, uri=URI, now=T0)
    assert parsed.status_list == _sample()
    assert (parsed.uri, parsed.issuer, parsed.kid) == (URI, ISSUER, key.kid)
    assert parsed.issued_at == T0
    assert parsed.expires_at == T0 + timedelta(days=1)
    assert parsed.ttl == timedelta(minutes=30)
    assert parsed.age(T0 + timedelta(minutes=10)) == timedelta(minutes=10)
    assert parsed.is_fresh(T0 + timedelta(minutes=30))
    assert not parsed.is_fresh(T0 + timedelta(minutes=31))


def test_token_shape(key: SealKey) -> None:
    token = status_list_token(ISSUER, _sample(), key, uri=URI, issued_at=T0)
    verified = verify_compact(token, key)
    assert verified.header == {"alg": key.alg, "kid": key.kid, "typ": "statuslist+jwt"}
    claims = verified.claims
    assert set(claims) == {"iss", "sub", "iat", "exp", "ttl", "status_list"}
    assert claims["sub"] == URI
    assert claims["iat"] == int(T0.timestamp())
    assert claims["ttl"] == 3600
    assert claims["status_list"] == _sample().to_json()


def test_pyjwt_reads_an_ed25519_status_list_token() -> None:
    ring = Keyring.generate(ISSUER)
    token = status_list_token(None, _sample(), ring.active, uri=URI)
    jwk = jwt.PyJWKSet.from_dict(ring.jwks())[ring.active.kid]
    assert jwt.get_unverified_header(token)["typ"] == STATUS_LIST_TYP
    claims = jwt.decode(token, key=jwk, algorithms=["EdDSA"])
    assert claims["sub"] == URI
    assert "iss" not in claims
    assert StatusList.from_json(claims["status_list"]) == _sample()


def test_expired_lists_are_refused_unless_asked_for(key: SealKey) -> None:
    token = status_list_token(
        ISSUER, _sample(), key, uri=URI, valid_for=timedelta(hours=2), issued_at=T0
    )
    late = T0 + timedelta(hours=3)
    with pytest.raises(TokenExpiredError):
        parse_status_list_token(token, key, now=late)
    stale = parse_status_list_token(token, key, now=late, allow_expired=True)
    assert stale.age(late) == timedelta(hours=3)
    assert not stale.is_fresh(late)
    # Within the leeway it is still accepted.
    parse_status_list_token(token, key, now=T0 + timedelta(hours=2, seconds=30))


def test_lists_from_the_future_are_refused(key: SealKey) -> None:
    token = status_list_token(ISSUER, _sample(), key, uri=URI, issued_at=T0)
    with pytest.raises(TokenClaimsError, match="future"):
        parse_status_list_token(token, key, now=T0 - timedelta(minutes=5))


def test_wrong_uri_is_refused(key: SealKey) -> None:
    token = status_list_token(ISSUER, _sample(), key, uri=URI, issued_at=T0)
    with pytest.raises(TokenClaimsError, match="not"):
        parse_status_list_token(token, key, uri=URI + "0", now=T0)


def test_other_token_types_are_refused(key: SealKey) -> None:
    claims = {"sub": URI, "iat": int(T0.timestamp()), "status_list": _sample().to_json()}
    for typ in (None, "wz-licence+jws"):
        with pytest.raises(TokenClaimsError, match="typ"):
            parse_status_list_token(sign_compact(claims, key, typ=typ), key, now=T0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sub": None}, "sub"),
        ({"iat": None}, "iat"),
        ({"iat": "yesterday"}, "iat"),
        ({"iat": True}, "iat"),
        ({"exp": 2**53 - 1}, "exp"),
        ({"ttl": 0}, "ttl"),
        ({"ttl": "1h"}, "ttl"),
        ({"iss": 5}, "iss"),
        ({"status_list": None}, "status_list"),
        ({"status_list": "eNo76fITAAPfAgc"}, "status_list"),
    ],
)
def test_bad_claims_are_refused(key: SealKey, change: dict[str, object], message: str) -> None:
    claims: dict[str, object] = {
        "sub": URI,
        "iat": int(T0.timestamp()),
        "ttl": 60,
        "status_list": _sample().to_json(),
    }
    claims.update(change)
    token = sign_compact(
        {k: v for k, v in claims.items() if v is not None}, key, typ=STATUS_LIST_TYP
    )
    with pytest.raises(TokenClaimsError, match=message):
        parse_status_list_token(token, key, now=T0)


def test_a_tampered_list_is_refused(key: SealKey) -> None:
    token = status_list_token(ISSUER, _sample(), key, uri=URI, issued_at=T0)
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    clean = StatusList(bits=2, size=1024)  # "everything valid"
    claims["status_list"] = clean.to_json()
    forged = sign_compact(claims, generate_seal_key(key.suite)).split(".")[1]
    with pytest.raises(InvalidSignatureError):
        parse_status_list_token(f"{header}.{forged}.{signature}", key, now=T0)


def test_list_signed_before_a_rotation_still_parses() -> None:
    ring = Keyring.generate(ISSUER)
    token = status_list_token(ISSUER, _sample(), ring.active, uri=URI, issued_at=T0)
    ring.rotate(suite=SealSuite.SM2_SM3)
    assert parse_status_list_token(token, ring.jwks(), now=T0).status_list == _sample()


def test_invalid_lifetimes_are_refused(key: SealKey) -> None:
    with pytest.raises(ValueError, match="positive"):
        status_list_token(ISSUER, _sample(), key, uri=URI, ttl=timedelta(0))
    with pytest.raises(ValueError, match="positive"):
        status_list_token(ISSUER, _sample(), key, uri=URI, valid_for=timedelta(seconds=-1))


# -- references from a licence -----------------------------------------------------------


def test_status_of_a_reference(key: SealKey) -> None:
    token = status_list_token(ISSUER, _sample(), key, uri=URI, issued_at=T0)
    parsed = parse_status_list_token(token, key, now=T0)
    assert parsed.status_of(status_reference(7, URI)) == Status.SUSPENDED
    assert parsed.status_of(status_reference(9, URI)) == Status.INVALID
    assert parsed.status_of(status_reference(11, URI)) == Status.SUPERSEDED
    assert parsed.status_of(status_reference(12, URI)) == Status.VALID
    with pytest.raises(StatusListError, match="refers to"):
        parsed.status_of(status_reference(7, URI + "x"))
    with pytest.raises(StatusListError, match="outside"):
        parsed.status_of(status_reference(5000, URI))
    with pytest.raises(StatusListError, match="no status_list"):
        parsed.status_of({})
    with pytest.raises(StatusListError, match="integer"):
        parsed.status_of({"status_list": {"idx": "7", "uri": URI}})


def test_status_reference_shape() -> None:
    assert status_reference(3, URI) == {"status_list": {"idx": 3, "uri": URI}}
    for bad in (-1, True, "3"):
        with pytest.raises(StatusListError):
            status_reference(bad, URI)  # type: ignore[arg-type]


def test_offline_check_end_to_end(key: SealKey) -> None:
    """Issuer seals a licence and a list; a verifier with only the JWKS and the list checks it."""
    ring = Keyring(ISSUER, key)
    licence = {
        "id": "1.2.156.3005.2.11100000000000000000A.11370784004377538A.0007.001.5",
        "holder": "3707********0011",
        "status": status_reference(7, URI),
    }
    qr_text = encode_qr_payload(sign_compact(licence, ring.active, typ="wz-licence+jws"))
    list_token = status_list_token(ISSUER, _sample(), ring.active, uri=URI, issued_at=T0)
    jwks = json.loads(json.dumps(ring.jwks()))

    # --- the verifier's side: no call to the issuer -----------------------------------
    claims = verify_compact(decode_qr_payload(qr_text), jwks, typ="wz-licence+jws").claims
    status_list = parse_status_list_token(list_token, jwks, uri=URI, now=T0)
    assert claims["id"] == licence["id"]
    assert status_list.status_of(claims["status"]) == Status.SUSPENDED
