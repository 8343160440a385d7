from __future__ import annotations

import json
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from wuzheng.auth import SCOPES, TokenValidator, ensure_dev_signing_key, mint_token


def test_the_key_is_created_once_with_a_private_file_mode(tmp_path: Path) -> None:
    jwks_path = ensure_dev_signing_key(tmp_path)
    assert jwks_path == tmp_path / "auth" / "jwks.json"
    private = tmp_path / "auth" / "signing-key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    key = json.loads(jwks_path.read_text())["keys"][0]
    assert key["kty"] == "OKP"
    assert key["crv"] == "Ed25519"
    assert key["alg"] == "EdDSA"
    assert key["use"] == "sig"
    assert "d" not in key  # public part only
    pem = private.read_bytes()
    assert ensure_dev_signing_key(tmp_path) == jwks_path
    assert private.read_bytes() == pem
    assert json.loads(jwks_path.read_text())["keys"][0]["kid"] == key["kid"]


def test_the_kid_is_the_rfc7638_thumbprint(tmp_path: Path) -> None:
    key = json.loads(ensure_dev_signing_key(tmp_path).read_text())["keys"][0]
    # RFC 7638 §3.1 worked the same way: SHA-256 of the sorted required members
    import base64
    import hashlib

    canonical = json.dumps({m: key[m] for m in ("crv", "kty", "x")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    assert key["kid"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_concurrent_setups_agree_on_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda _: ensure_dev_signing_key(tmp_path), range(16)))
    assert set(paths) == {tmp_path / "auth" / "jwks.json"}
    assert len(json.loads(paths[0].read_text())["keys"]) == 1
    assert sorted(p.name for p in (tmp_path / "auth").iterdir()) == ["jwks.json", "signing-key.pem"]


async def test_a_minted_token_carries_the_claims(tmp_path: Path) -> None:
    token = mint_token(
        tmp_path,
        department="11370784004392988A",
        operator="op-9",
        scopes="codes:resolve verify:request",
        ttl=timedelta(minutes=5),
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["dept"] == "11370784004392988A"
    assert claims["op"] == "op-9"
    assert claims["sub"] == "11370784004392988A"
    assert claims["scope"] == "codes:resolve verify:request"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["iss"] == "wuzheng-dev"
    assert claims["aud"] == "wuzheng"
    validator = TokenValidator(
        str(tmp_path / "auth" / "jwks.json"), issuer="wuzheng-dev", audience="wuzheng"
    )
    caller = await validator.validate(token)
    assert caller.operator_id == "op-9"
    assert caller.token_id == claims["jti"]


def test_unknown_scopes_are_refused_with_the_known_ones_listed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown scope\(s\): licence:issue, root") as raised:
        mint_token(tmp_path, department="D", scopes=["licence:issue", "root", "audit:read"])
    assert "licences:issue" in str(raised.value)


def test_ttl_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ttl"):
        mint_token(tmp_path, department="D", scopes=[], ttl=timedelta(0))


def test_every_scope_is_documented() -> None:
    assert len(SCOPES) == 18
    for name, description in SCOPES.items():
        assert ":" in name
        assert description


def test_readme_lists_every_scope() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    for scope in SCOPES:
        assert f"| `{scope}` |" in readme, f"README does not list scope {scope}"
