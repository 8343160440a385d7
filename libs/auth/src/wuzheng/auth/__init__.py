"""Bearer-token authentication for wuzheng services.

Callers present OAuth2-style bearer JWTs. A :class:`TokenValidator` checks them against the
issuer's JWKS (a file, re-read when it changes, or an http(s) URL such as a Keycloak realm's
``.../protocol/openid-connect/certs``): signature (EdDSA, ES256 or RS256 — never ``none`` or
HS*), ``iss``, ``aud``, ``exp``/``nbf`` and the claims ``sub`` (required), ``dept``
(department code), ``op`` (operator id), ``scope`` (space-separated) and ``jti``. Results are
cached until the token expires.

In an endpoint::

    from wuzheng.auth import Caller, CallerDep, OptionalCallerDep, require_scopes

    Verifier = Annotated[Caller, Depends(require_scopes("verify:request"))]

    @router.post("/verifications")
    async def verify(body: VerifyRequest, caller: Verifier) -> Verification: ...

    @router.get("/me")
    async def me(caller: CallerDep) -> Caller:
        return caller

A missing or bad token is a 401 (:class:`InvalidToken`, with ``WWW-Authenticate: Bearer``); a
missing scope a 403 (:class:`InsufficientScope`) naming it. ``wuzheng.web.create_app`` starts
``TokenValidator.from_settings(settings)`` and puts it on ``app.state.token_validator``.

For the embedded default, :func:`ensure_dev_signing_key` creates a local Ed25519 key under
``var/auth/`` and :func:`mint_token` signs tokens with it::

    token = mint_token(Path("var"), department="11370784MB1234567X", scopes=["verify:request"])

:data:`SCOPES` lists every scope the services check, with what it allows.
"""

from wuzheng.auth._caller import Caller
from wuzheng.auth._dependencies import (
    CallerDep,
    OptionalCallerDep,
    current_caller,
    optional_caller,
    require_scopes,
)
from wuzheng.auth._dev_keys import DEV_AUDIENCE, DEV_ISSUER, ensure_dev_signing_key, mint_token
from wuzheng.auth._errors import InsufficientScope, InvalidToken, KeysUnavailable
from wuzheng.auth._jwks import ALLOWED_ALGORITHMS
from wuzheng.auth._scopes import SCOPES
from wuzheng.auth._validator import TokenValidator

__all__ = [
    "ALLOWED_ALGORITHMS",
    "DEV_AUDIENCE",
    "DEV_ISSUER",
    "SCOPES",
    "Caller",
    "CallerDep",
    "InsufficientScope",
    "InvalidToken",
    "KeysUnavailable",
    "OptionalCallerDep",
    "TokenValidator",
    "current_caller",
    "ensure_dev_signing_key",
    "mint_token",
    "optional_caller",
    "require_scopes",
]
