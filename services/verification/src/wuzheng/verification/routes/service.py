"""The route registry as the forwarder sees it: effective routes, cached keys, key refetch."""

from __future__ import annotations

import logging
import time
from typing import Any

from wuzheng.db import Database
from wuzheng.seals import JwkSet, SealError
from wuzheng.verification.cache import TtlCache
from wuzheng.verification.routes import repository
from wuzheng.verification.routes.client import IssuerClient
from wuzheng.verification.routes.credentials import CredentialKind, RouteCredential
from wuzheng.verification.routes.models import IssuerRoute
from wuzheng.verification.routes.views import RouteView
from wuzheng.verification.seals import jwks_digest
from wuzheng.verification.settings import VerificationSettings

logger = logging.getLogger("wuzheng.verification.routes")

_EMPTY = JwkSet({})


def credential_of(row: IssuerRoute) -> RouteCredential | None:
    """The credential a registered route names (kind and file names), if any."""
    if row.credential_kind not in ("bearer", "mtls") or not row.credential_ref:
        return None
    kind: CredentialKind = "bearer" if row.credential_kind == "bearer" else "mtls"
    return RouteCredential(kind, row.credential_ref, row.credential_key_ref)


class RouteRegistry:
    def __init__(
        self, database: Database, settings: VerificationSettings, client: IssuerClient
    ) -> None:
        self.database = database
        self.settings = settings
        self.client = client
        self._routes: TtlCache[str, RouteView | None] = TtlCache(settings.read_model_ttl)
        self._keys: dict[str, JwkSet] = {}
        self._last_refetch: dict[str, float] = {}

    def keys_of(self, jwks: dict[str, Any] | None) -> JwkSet:
        """The parsed key set of a JWKS document (cached by its digest)."""
        if not jwks:
            return _EMPTY
        digest = jwks_digest(jwks)
        keys = self._keys.get(digest)
        if keys is None:
            try:
                keys = JwkSet.parse(jwks)
            except SealError as exc:
                logger.warning("unusable JWKS: %s", exc)
                keys = _EMPTY
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[digest] = keys
        return keys

    def view(self, row: IssuerRoute) -> RouteView | None:
        if row.url:
            return RouteView(
                issuer_code=row.issuer_code,
                department=row.department,
                transport="https",
                subject=None,
                url=row.url,
                jwks_url=row.jwks_url,
                jwks=row.url_jwks,
                keys=self.keys_of(row.url_jwks),
                timeout_ms=row.timeout_ms,
                credential=credential_of(row),
            )
        if row.mesh_subject:
            jwks_url = (
                f"{self.settings.issuance_url.rstrip('/')}/v1/issuers/{row.issuer_code}/jwks.json"
                if self.settings.issuance_url
                else None
            )
            return RouteView(
                issuer_code=row.issuer_code,
                department=row.department,
                transport="nats",
                subject=row.mesh_subject,
                url=None,
                jwks_url=jwks_url,
                jwks=row.mesh_jwks,
                keys=self.keys_of(row.mesh_jwks),
                timeout_ms=row.timeout_ms,
            )
        return None

    async def _load(self, issuer_code: str) -> RouteView | None:
        async with self.database.reader() as session:
            row = await repository.get(session, issuer_code)
            return self.view(row) if row is not None else None

    async def route(self, issuer_code: str) -> RouteView | None:
        return await self._routes.get(issuer_code, self._load)

    def invalidate(self, issuer_code: str | None = None) -> None:
        if issuer_code is None:
            self._routes.clear()
        else:
            self._routes.discard(issuer_code)

    async def refetch_keys(self, route: RouteView) -> JwkSet | None:
        """Fetch the issuer's JWKS again (an answer named an unknown kid). At most once per
        ``jwks_refetch_interval`` per issuer; None when there is nothing new to be had."""
        if route.jwks_url is None:
            return None
        now = time.monotonic()
        last = self._last_refetch.get(route.issuer_code)
        if last is not None and now - last < self.settings.jwks_refetch_interval:
            return None
        self._last_refetch[route.issuer_code] = now
        try:
            jwks = await self.client.fetch_jwks(route.jwks_url, route)
        except ValueError as exc:
            logger.warning("JWKS refetch for %s failed: %s", route.issuer_code, exc)
            return None
        async with self.database.transaction() as session:
            await repository.store_jwks(
                session, route.issuer_code, https=route.transport == "https", jwks=jwks
            )
        self.invalidate(route.issuer_code)
        return self.keys_of(jwks)
