from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from wuzheng.auth._caller import Caller
from wuzheng.auth._errors import InvalidToken
from wuzheng.auth._scopes import SCOPES, unknown_scopes
from wuzheng.auth._validator import TokenValidator

# Declares the scheme in the OpenAPI document; the header itself is parsed below so that a
# malformed one is a 401 that says what is wrong rather than a silent "no token".
_bearer = HTTPBearer(
    auto_error=False,
    description="An OAuth2 access token (JWT) from the configured issuer.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _validator(request: Request) -> TokenValidator:
    validator = getattr(request.app.state, "token_validator", None)
    if not isinstance(validator, TokenValidator):
        raise RuntimeError(  # a wiring bug, hence a 500
            "no TokenValidator on app.state.token_validator: build the app with "
            "wuzheng.web.create_app or start a TokenValidator in its lifespan"
        )
    return validator


def _bearer_token(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidToken("the Authorization header must use the Bearer scheme")
    token = token.strip()
    if not token or " " in token:
        raise InvalidToken("the Authorization header must be 'Bearer <token>'")
    return token


async def current_caller(request: Request, _: Credentials) -> Caller:
    """The authenticated caller; 401 when the bearer token is missing or not acceptable."""
    header = request.headers.get("authorization")
    if header is None:
        raise InvalidToken("a bearer token is required", missing=True)
    caller = await _validator(request).validate(_bearer_token(header))
    request.state.caller = caller  # for the access log
    return caller


async def optional_caller(request: Request, credentials: Credentials) -> Caller | None:
    """The caller if the request carries a token (which must then be valid), else None."""
    if request.headers.get("authorization") is None:
        return None
    return await current_caller(request, credentials)


CallerDep = Annotated[Caller, Depends(current_caller)]
OptionalCallerDep = Annotated[Caller | None, Depends(optional_caller)]


def require_scopes(*scopes: str) -> Callable[[Caller], Coroutine[Any, Any, Caller]]:
    """A dependency yielding the caller if it has every one of ``scopes``, else 403.

    Scope names are checked against :data:`SCOPES` when the dependency is declared, so a
    typo fails at import rather than locking everyone out at run time::

        Issuer = Annotated[Caller, Depends(require_scopes("licences:issue"))]
    """
    if not scopes:
        raise ValueError("require_scopes needs at least one scope")
    if unknown := unknown_scopes(scopes):
        raise ValueError(
            f"unknown scope(s): {', '.join(unknown)}; known scopes: {', '.join(sorted(SCOPES))}"
        )

    async def caller_with_scopes(caller: CallerDep) -> Caller:
        caller.require(*scopes)
        return caller

    return caller_with_scopes
