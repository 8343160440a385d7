from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import jwt
from jwt import exceptions as jwt_errors

from wuzheng.auth._caller import Caller
from wuzheng.auth._dev_keys import ensure_dev_signing_key
from wuzheng.auth._errors import InvalidToken
from wuzheng.auth._jwks import ALLOWED_ALGORITHMS, KeySource, key_source

if TYPE_CHECKING:
    from fastapi import FastAPI

    from wuzheng.settings import ServiceSettings

MAX_TOKEN_CHARS: Final = 16_384
REQUIRED_CLAIMS: Final = ("exp", "iss", "aud", "sub")

# What each PyJWT failure means to the caller; the text also goes into WWW-Authenticate.
_REASONS: Final[tuple[tuple[type[jwt_errors.PyJWTError], str], ...]] = (
    (jwt_errors.ExpiredSignatureError, "the token has expired"),
    (jwt_errors.ImmatureSignatureError, "the token is not valid yet"),
    (jwt_errors.InvalidAudienceError, "the token is not meant for this audience"),
    (jwt_errors.InvalidIssuerError, "the token issuer is not trusted"),
    (jwt_errors.InvalidSignatureError, "the token signature is invalid"),
    (jwt_errors.InvalidAlgorithmError, "the token algorithm does not match its key"),
    (jwt_errors.InvalidIssuedAtError, "the token issue time is invalid"),
    (jwt_errors.DecodeError, "the token is malformed"),
)


def _reason(exc: jwt_errors.PyJWTError) -> str:
    if isinstance(exc, jwt_errors.MissingRequiredClaimError):
        return f"the token lacks the required claim '{exc.claim}'"
    if isinstance(exc, jwt_errors.InvalidSubjectError):
        return "the token claim 'sub' must be a string"
    if isinstance(exc, jwt_errors.InvalidJTIError):
        return "the token claim 'jti' must be a string"
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    return "the token is invalid"


def _optional_str(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None or isinstance(value, str):
        return value
    raise InvalidToken(f"the token claim '{name}' must be a string")


def _scopes(claims: dict[str, Any]) -> frozenset[str]:
    value = claims.get("scope")
    if value is None:
        return frozenset()
    if isinstance(value, str):  # OAuth2 style: space-separated
        return frozenset(value.split())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return frozenset(value)
    raise InvalidToken("the token claim 'scope' must be a space-separated string")


def caller_from_claims(claims: dict[str, Any]) -> Caller:
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("the token claim 'sub' must be a non-empty string")
    return Caller(
        subject=subject,
        department_code=_optional_str(claims, "dept"),
        operator_id=_optional_str(claims, "op"),
        scopes=_scopes(claims),
        token_id=_optional_str(claims, "jti"),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )


class TokenValidator:
    """Validates bearer JWTs against the issuer's JWKS and remembers the results.

    Checks the signature (EdDSA, ES256 or RS256, as the key says), ``iss``, ``aud``, ``exp``,
    ``nbf`` and the required claims. A valid token's :class:`Caller` is cached until the token
    expires, so a client reusing its token costs one dictionary lookup per request (and a key
    withdrawn from the JWKS does not cut short tokens already cached: keep tokens short-lived).

    It is also a resource of the web kit: ``start`` publishes it on
    ``app.state.token_validator`` (where :data:`CallerDep` finds it) and ``check`` reports
    whether the keys can be loaded.
    """

    name = "auth"

    def __init__(
        self,
        jwks: str,
        *,
        issuer: str,
        audience: str,
        leeway: timedelta = timedelta(seconds=30),
        cache_size: int = 10_000,
        dev_key_dir: Path | None = None,
    ) -> None:
        """``jwks`` is a file path or an http(s) URL. With ``dev_key_dir`` (a var dir),
        ``start`` first creates the local dev signing key there if it does not exist."""
        self.issuer = issuer
        self.audience = audience
        self._keys: KeySource = key_source(jwks)
        self._leeway = leeway.total_seconds()
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[float, Caller]] = OrderedDict()
        self._dev_key_dir = dev_key_dir

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> TokenValidator:
        """The validator a service configures: its JWKS, issuer and audience settings; in dev
        with no JWKS configured, the local key under ``var/auth/``."""
        local = settings.is_dev and not settings.auth_jwks
        return cls(
            settings.resolved_auth_jwks,
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            dev_key_dir=settings.var_dir if local else None,
        )

    async def validate(self, token: str) -> Caller:
        """The caller a bearer token stands for; :class:`InvalidToken` (401) if it is not
        acceptable, ``KeysUnavailable`` (503) if the keys cannot be loaded."""
        cached = self._cache.get(token)
        if cached is not None:
            deadline, caller = cached
            if time.time() < deadline:
                self._cache.move_to_end(token)
                return caller
            del self._cache[token]  # expired: verify again, which says why it fails
        caller = await self._verify(token)
        self._remember(token, caller)
        return caller

    async def _verify(self, token: str) -> Caller:
        if len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken("the token is too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt_errors.PyJWTError as exc:
            raise InvalidToken("the token is malformed") from exc
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise InvalidToken("the token algorithm is not allowed")
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken("the token is malformed")
        key = await self._keys.signing_key(kid)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt_errors.PyJWTError as exc:
            raise InvalidToken(_reason(exc)) from exc
        return caller_from_claims(claims)

    def _remember(self, token: str, caller: Caller) -> None:
        if len(self._cache) >= self._cache_size:
            self._cache.popitem(last=False)  # least recently used
        self._cache[token] = (caller.expires_at.timestamp() + self._leeway, caller)

    # -- the web kit's Resource protocol -------------------------------------------------

    async def start(self, app: FastAPI) -> None:
        if self._dev_key_dir is not None:
            await asyncio.to_thread(ensure_dev_signing_key, self._dev_key_dir)
        app.state.token_validator = self

    async def stop(self) -> None:
        self._cache.clear()

    async def check(self) -> None:
        await self._keys.load()
