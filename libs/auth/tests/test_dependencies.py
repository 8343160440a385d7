from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from httpx import AsyncClient

from wuzheng.auth import mint_token, require_scopes

Sign = Callable[..., str]
Craft = Callable[[dict[str, Any], Callable[[bytes], bytes]], str]


async def test_a_valid_token_gives_the_caller(client: AsyncClient, sign: Sign) -> None:
    response = await client.get("/me", headers={"Authorization": f"Bearer {sign()}"})
    assert response.status_code == 200
    caller = response.json()
    assert caller["subject"] == "counter-7"
    assert caller["department_code"] == "11370784004392988A"
    assert caller["operator_id"] == "op-42"
    assert sorted(caller["scopes"]) == ["licences:read", "verify:request"]
    assert caller["token_id"] == "token-1"


async def test_a_missing_token_is_a_401_with_a_bare_bearer_challenge(client: AsyncClient) -> None:
    response = await client.get("/me")
    assert response.status_code == 401
    assert response.json()["type"].endswith("/unauthenticated")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="wuzheng"'


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": 1_000_000}, "expired"),
        ({"aud": "someone-else"}, "audience"),
        ({"iss": "https://evil.example"}, "issuer"),
        ({"nbf": 4_000_000_000}, "not valid yet"),
        ({"sub": None}, "'sub'"),
        ({"exp": None}, "'exp'"),
    ],
)
async def test_tokens_with_bad_claims_are_refused(
    client: AsyncClient, sign: Sign, claims: dict[str, object], reason: str
) -> None:
    response = await client.get("/me", headers={"Authorization": f"Bearer {sign(**claims)}"})
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


async def test_a_token_signed_by_another_key_is_refused(client: AsyncClient, sign: Sign) -> None:
    forged = sign(key=Ed25519PrivateKey.generate())  # same kid, wrong key
    response = await client.get("/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]


async def test_alg_none_is_refused(client: AsyncClient, craft: Craft) -> None:
    token = craft({"alg": "none"}, lambda _: b"")
    response = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "algorithm" in response.json()["detail"]


async def test_hs256_keyed_with_the_public_key_is_refused(
    client: AsyncClient, craft: Craft, jwks_bytes: bytes
) -> None:
    # The classic confusion attack: HMAC "signed" with the published public key as secret.
    secrets: list[bytes] = [jwks_bytes, json.loads(jwks_bytes)["keys"][0]["x"].encode()]
    for secret in secrets:

        def hs256(data: bytes, key: bytes = secret) -> bytes:
            return hmac.digest(key, data, hashlib.sha256)

        token = craft({"alg": "HS256"}, hs256)
        response = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert "algorithm" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Bearer one two",
        "Bearer " + "a" * 20_000,
    ],
)
async def test_malformed_authorization_headers_are_401(client: AsyncClient, header: str) -> None:
    response = await client.get("/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["status"] == 401


async def test_a_token_from_an_unknown_key_id_is_refused(client: AsyncClient, sign: Sign) -> None:
    token = sign(headers={"kid": "rotated-away"})
    response = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "key" in response.json()["detail"]


async def test_a_missing_scope_is_a_403_naming_it(client: AsyncClient, sign: Sign) -> None:
    response = await client.post("/licences", headers={"Authorization": f"Bearer {sign()}"})
    assert response.status_code == 403
    problem = response.json()
    assert problem["type"].endswith("/forbidden")
    assert problem["missing_scopes"] == ["licences:issue"]
    assert "licences:issue" in problem["detail"]
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


async def test_having_every_scope_passes(client: AsyncClient, sign: Sign) -> None:
    token = sign(scope="licences:issue licences:read")
    response = await client.post("/licences", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"issued_by": "counter-7"}


async def test_optional_caller(client: AsyncClient, sign: Sign) -> None:
    anonymous = await client.get("/public")
    assert anonymous.json() == {"subject": None}
    known = await client.get("/public", headers={"Authorization": f"Bearer {sign()}"})
    assert known.json() == {"subject": "counter-7"}
    # A token that is present must be valid: no silent downgrade to anonymous.
    bad = await client.get("/public", headers={"Authorization": "Bearer x.y.z"})
    assert bad.status_code == 401


async def test_a_minted_dev_token_is_accepted(client: AsyncClient, var_dir: Path) -> None:
    token = mint_token(
        var_dir, department="D1", operator="op-1", scopes=["licences:issue", "licences:read"]
    )
    response = await client.post("/licences", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_require_scopes_refuses_unknown_scopes_when_declared() -> None:
    with pytest.raises(ValueError, match="licence:issue"):
        require_scopes("licence:issue")
    with pytest.raises(ValueError, match="at least one"):
        require_scopes()
