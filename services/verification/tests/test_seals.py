"""Status list tokens as this service reads them (the IETF draft's examples)."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wuzheng.seals import JwkSet, StatusListError, b64url_encode
from wuzheng.verification.seals import read_status_list_token

KEY = Ed25519PrivateKey.generate()
KEYS = JwkSet.parse(
    {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": b64url_encode(KEY.public_key().public_bytes_raw()),
                "kid": "k",
            }
        ]
    }
)


def status_token(status_list: dict[str, object], **claims: object) -> str:
    body = {
        "sub": "https://example.com/statuslists/1",
        "iat": 1_700_000_000,
        "status_list": status_list,
    }
    return jwt.encode(
        {**body, **claims}, KEY, algorithm="EdDSA", headers={"kid": "k", "typ": "statuslist+jwt"}
    )


@pytest.mark.parametrize(
    ("bits", "lst", "statuses"),
    [
        (1, "eNrbuRgAAhcBXQ", [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]),
        (2, "eNo76fITAAPfAgc", [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]),
    ],
)
def test_the_drafts_examples(bits: int, lst: str, statuses: list[int]) -> None:
    parsed = read_status_list_token(status_token({"bits": bits, "lst": lst}), KEYS)
    assert [parsed.get(i) for i in range(len(statuses))] == statuses
    reference = {"status_list": {"idx": 3, "uri": "https://example.com/statuslists/1"}}
    assert parsed.status_of(reference) == statuses[3]
    with pytest.raises(StatusListError, match=r"refers to list"):
        parsed.status_of({"status_list": {"idx": 3, "uri": "https://elsewhere/1"}})
    with pytest.raises(StatusListError, match="outside"):
        parsed.get(10_000)


@pytest.mark.parametrize(
    "status_list",
    [
        {"bits": 3, "lst": "eNrbuRgAAhcBXQ"},
        {"bits": 1, "lst": "!!"},
        {"bits": 1, "lst": "AAAA"},
        {"bits": 1},
    ],
)
def test_bad_status_lists(status_list: dict[str, object]) -> None:
    with pytest.raises(StatusListError):
        read_status_list_token(status_token(status_list), KEYS)


def test_status_list_tokens_must_be_signed_and_typed() -> None:
    other = Ed25519PrivateKey.generate()
    forged = jwt.encode(
        {"sub": "x", "iat": 1, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}},
        other,
        algorithm="EdDSA",
        headers={"kid": "k", "typ": "statuslist+jwt"},
    )
    with pytest.raises(StatusListError, match="does not verify"):
        read_status_list_token(forged, KEYS)
    untyped = jwt.encode({"sub": "x", "iat": 1}, KEY, algorithm="EdDSA", headers={"kid": "k"})
    with pytest.raises(StatusListError):
        read_status_list_token(untyped, KEYS)
    with pytest.raises(StatusListError, match="iat"):
        read_status_list_token(status_token({"bits": 1, "lst": "eNrbuRgAAhcBXQ"}, iat=None), KEYS)
