from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from httpx import ASGITransport, AsyncClient

from wuzheng.auth import (
    Caller,
    CallerDep,
    OptionalCallerDep,
    TokenValidator,
    ensure_dev_signing_key,
    require_scopes,
)
from wuzheng.contracts.problems import ProblemError

ISSUER = "wuzheng-dev"
AUDIENCE = "wuzheng"

Sign = Callable[..., str]


@pytest.fixture
def var_dir(tmp_path: Path) -> Path:
    ensure_dev_signing_key(tmp_path)
    return tmp_path


@pytest.fixture
def jwks_path(var_dir: Path) -> Path:
    return var_dir / "auth" / "jwks.json"


@pytest.fixture
def jwks_bytes(jwks_path: Path) -> bytes:
    return jwks_path.read_bytes()


@pytest.fixture
def dev_key(var_dir: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(
        (var_dir / "auth" / "signing-key.pem").read_bytes(), password=None
    )
    assert isinstance(key, Ed25519PrivateKey)
    return key


@pytest.fixture
def kid(jwks_path: Path) -> str:
    return str(json.loads(jwks_path.read_text())["keys"][0]["kid"])


def standard_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "counter-7",
        "dept": "11370784004392988A",
        "op": "op-42",
        "scope": "verify:request licences:read",
        "jti": "token-1",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


@pytest.fixture
def sign(dev_key: Ed25519PrivateKey, kid: str) -> Sign:
    """Sign arbitrary claims with the dev key (or another key), as an IdP would."""

    def _sign(
        key: Any = None,
        algorithm: str = "EdDSA",
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        return jwt.encode(
            standard_claims(**claims),
            key if key is not None else dev_key,
            algorithm=algorithm,
            headers={"kid": kid, **(headers or {})},
        )

    return _sign


@pytest.fixture
def craft(kid: str) -> Callable[..., str]:
    """Assemble a token by hand (for algorithms PyJWT rightly refuses to produce)."""

    def _craft(header: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
        def b64url(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        signing_input = ".".join(
            b64url(json.dumps(part).encode())
            for part in ({"kid": kid, **header}, standard_claims())
        )
        return f"{signing_input}.{b64url(sign(signing_input.encode()))}"

    return _craft


@pytest.fixture
def validator(jwks_path: Path) -> TokenValidator:
    return TokenValidator(str(jwks_path), issuer=ISSUER, audience=AUDIENCE)


def problem_app(validator: TokenValidator) -> FastAPI:
    """The smallest app that renders ProblemErrors with their headers, as the web kit does."""
    app = FastAPI()
    app.state.token_validator = validator

    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: ProblemError) -> JSONResponse:
        return JSONResponse(
            exc.to_problem(request.url.path).model_dump(exclude_none=True),
            status_code=exc.status,
            headers=getattr(exc, "headers", None),
        )

    return app


@pytest.fixture
def app(validator: TokenValidator) -> FastAPI:
    application = problem_app(validator)

    @application.get("/me")
    async def me(caller: CallerDep) -> Caller:
        return caller

    @application.get("/public")
    async def public(caller: OptionalCallerDep) -> dict[str, str | None]:
        return {"subject": caller.subject if caller else None}

    @application.post("/licences")
    async def issue(
        caller: Annotated[Caller, Depends(require_scopes("licences:issue", "licences:read"))],
    ) -> dict[str, str]:
        return {"issued_by": caller.subject}

    return application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as http:
        yield http
