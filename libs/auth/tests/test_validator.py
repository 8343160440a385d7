from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from wuzheng.auth import (
    Caller,
    InvalidToken,
    KeysUnavailable,
    TokenValidator,
)
from wuzheng.auth._jwks import FileKeys

Sign = Callable[..., str]
ISSUER, AUDIENCE = "wuzheng-dev", "wuzheng"


def rewrite(path: Path, change: Callable[[str], str]) -> None:
    """Change a file and move its mtime forward, as a deploy replacing it would."""
    path.write_text(change(path.read_text()))
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))


def count_verifications(validator: TokenValidator, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    verify = validator._verify

    async def counting(token: str) -> Caller:
        calls.append(token)
        return await verify(token)

    monkeypatch.setattr(validator, "_verify", counting)
    return calls


async def test_a_cached_token_is_not_verified_again(
    validator: TokenValidator, sign: Sign, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_verifications(validator, monkeypatch)
    token = sign()
    first = await validator.validate(token)
    second = await validator.validate(token)
    assert first is second
    assert len(calls) == 1
    await validator.validate(sign(jti="another"))
    assert len(calls) == 2


async def test_a_cached_token_is_dropped_when_it_expires(
    validator: TokenValidator, sign: Sign, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_verifications(validator, monkeypatch)
    token = sign(exp=int(time.time()) + 60)
    await validator.validate(token)
    real_time = time.time
    # Past exp + leeway the cache no longer answers: the token is verified again (and PyJWT,
    # on the real clock, decides).
    monkeypatch.setattr(time, "time", lambda: real_time() + 91)
    await validator.validate(token)
    assert len(calls) == 2


async def test_the_cache_is_bounded(jwks_path: Path, sign: Sign) -> None:
    validator = TokenValidator(str(jwks_path), issuer=ISSUER, audience=AUDIENCE, cache_size=3)
    tokens = [sign(jti=f"t{i}") for i in range(5)]
    for token in tokens:
        await validator.validate(token)
    assert list(validator._cache) == tokens[2:]


async def test_scope_may_be_a_list_and_unknown_scopes_are_kept(
    validator: TokenValidator, sign: Sign
) -> None:
    caller = await validator.validate(sign(scope=["openid", "audit:read"]))
    assert caller.scopes == {"openid", "audit:read"}
    assert caller.has("audit:read")
    assert caller.missing("audit:read", "stats:read") == ["stats:read"]


@pytest.mark.parametrize("claim", ["dept", "op", "jti", "sub"])
async def test_claims_of_the_wrong_type_are_refused(
    validator: TokenValidator, sign: Sign, claim: str
) -> None:
    with pytest.raises(InvalidToken, match=claim):
        await validator.validate(sign(**{claim: 42}))


async def test_es256_and_rs256_keys_are_accepted(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1
    from cryptography.hazmat.primitives.asymmetric.ec import generate_private_key as ec_key

    keys: dict[str, Any] = {
        "ES256": ec_key(SECP256R1()),
        "RS256": generate_private_key(65537, 2048),
    }
    jwks: dict[str, list[dict[str, Any]]] = {"keys": []}
    for algorithm, key in keys.items():
        jwk = json.loads(jwt.get_algorithm_by_name(algorithm).to_jwk(key.public_key()))
        jwks["keys"].append({**jwk, "kid": algorithm, "use": "sig"})
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    validator = TokenValidator(str(tmp_path / "jwks.json"), issuer=ISSUER, audience=AUDIENCE)
    now = int(time.time())
    for algorithm, key in keys.items():
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": algorithm, "exp": now + 60}
        token = jwt.encode(claims, key, algorithm=algorithm, headers={"kid": algorithm})
        assert (await validator.validate(token)).subject == algorithm
    # a token claiming ES256 but pointing at the RSA key is refused
    es_token = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 60},
        keys["ES256"],
        algorithm="ES256",
        headers={"kid": "RS256"},
    )
    with pytest.raises(InvalidToken, match="algorithm"):
        await validator.validate(es_token)


async def test_a_changed_jwks_file_is_reloaded(
    validator: TokenValidator, jwks_path: Path, sign: Sign
) -> None:
    await validator.validate(sign())
    new_key = Ed25519PrivateKey.generate()
    jwk = json.loads(jwt.get_algorithm_by_name("EdDSA").to_jwk(new_key.public_key()))

    def add_key(text: str) -> str:
        document = json.loads(text)
        document["keys"].append({**jwk, "kid": "rotated-in", "alg": "EdDSA", "use": "sig"})
        return json.dumps(document)

    rewrite(jwks_path, add_key)
    token = sign(key=new_key, headers={"kid": "rotated-in"})
    assert (await validator.validate(token)).subject == "counter-7"


async def test_a_half_written_jwks_keeps_the_previous_keys(jwks_path: Path, sign: Sign) -> None:
    keys = FileKeys(jwks_path)
    await keys.load()
    rewrite(jwks_path, lambda text: text[: len(text) // 2])
    await keys.load()  # still the old keys, no error
    assert len(keys._keys) == 1


async def test_a_missing_jwks_file_is_a_503_and_not_ready(tmp_path: Path, sign: Sign) -> None:
    validator = TokenValidator(str(tmp_path / "nope.json"), issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(KeysUnavailable) as raised:
        await validator.validate(sign())
    assert raised.value.status == 503
    with pytest.raises(KeysUnavailable):
        await validator.check()


async def test_from_settings_creates_the_dev_key_on_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi import FastAPI

    from wuzheng.settings import ServiceSettings

    monkeypatch.setenv("WUZHENG_VAR_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("WUZHENG_AUTH_JWKS", raising=False)
    monkeypatch.setenv("WUZHENG_ENV", "test")
    settings = ServiceSettings()
    assert settings.var_dir == tmp_path / "fresh"
    validator = TokenValidator.from_settings(settings)
    app = FastAPI()
    await validator.start(app)
    assert app.state.token_validator is validator
    assert (tmp_path / "fresh" / "auth" / "jwks.json").exists()
    await validator.check()
    await validator.stop()


# -- JWKS over HTTP: a real server on 127.0.0.1 ------------------------------------------


@pytest.fixture
def jwks_server(jwks_bytes: bytes) -> Iterator[tuple[str, list[str]]]:
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(jwks_bytes)))
            self.end_headers()
            self.wfile.write(jwks_bytes)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/certs", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_jwks_from_a_url(jwks_server: tuple[str, list[str]], sign: Sign) -> None:
    url, requests = jwks_server
    validator = TokenValidator(url, issuer=ISSUER, audience=AUDIENCE)
    await validator.check()
    assert (await validator.validate(sign())).subject == "counter-7"
    assert (await validator.validate(sign(jti="other"))).token_id == "other"
    assert requests == ["/certs"]  # the key set is cached
    with pytest.raises(InvalidToken, match="key"):
        await validator.validate(sign(headers={"kid": "unknown"}))


async def test_an_unreachable_jwks_url_is_a_503(sign: Sign) -> None:
    with socket_on_a_free_port() as port:
        pass  # closed again: nothing listens there
    validator = TokenValidator(f"http://127.0.0.1:{port}/certs", issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(KeysUnavailable):
        await validator.check()
    with pytest.raises(KeysUnavailable):
        await validator.validate(sign())


def socket_on_a_free_port() -> Any:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))

    class Port:
        def __enter__(self) -> int:
            return int(sock.getsockname()[1])

        def __exit__(self, *exc: object) -> None:
            sock.close()

    return Port()
