"""What every part of the service shares: settings, the outbox, and the seal keys' KEK with
the cache of opened keys.

One :class:`IssuanceContext` per running service, created by ``wire`` and added as a
resource; endpoints get it with :data:`ContextDep`, event handlers and the responder close
over it.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope, EventPayload
from wuzheng.db import Database
from wuzheng.issuance.seals import SealKey, derive_kek
from wuzheng.issuance.settings import IssuanceSettings
from wuzheng.issuance.verify.lookup import LicenceLookup
from wuzheng.messaging import NatsConnection, Outbox
from wuzheng.service import RuntimeDep, ServiceRuntime

_KEY_CACHE_LIMIT = 4096
SCHEMA_CACHE_SECONDS = 30.0


class IssuanceContext:
    """Shared state of the issuance service (a web-kit resource with nothing to start)."""

    name = "issuance-context"

    def __init__(self, runtime: ServiceRuntime) -> None:
        settings = runtime.settings
        if not isinstance(settings, IssuanceSettings):
            raise TypeError("the issuance service needs IssuanceSettings")
        self.settings = settings
        self.database: Database = runtime.database
        self.outbox: Outbox = runtime.outbox
        self.nats: NatsConnection = runtime.nats
        self.source = runtime.definition.source
        self.subject = runtime.subject
        self._kek = derive_kek(settings.seal_key_secret.get_secret_value())
        self._keys: dict[str, SealKey] = {}
        self._schemas: dict[str, tuple[float, frozenset[str]]] = {}
        self.lookup = LicenceLookup(self.database)

    # -- seal keys --------------------------------------------------------------------

    def seal_key(self, kid: str, blob: bytes) -> SealKey:
        """The opened private key ``kid`` (decrypted once, then cached by kid)."""
        key = self._keys.get(kid)
        if key is None:
            key = SealKey.decrypt(blob, self._kek, kid=kid)
            self.remember(key)
        return key

    def cached_key(self, kid: str) -> SealKey | None:
        """The opened key ``kid`` if it is in the cache."""
        return self._keys.get(kid)

    def encrypt(self, key: SealKey) -> bytes:
        return key.encrypt(self._kek)

    def remember(self, key: SealKey) -> None:
        if len(self._keys) >= _KEY_CACHE_LIMIT:
            self._keys.pop(next(iter(self._keys)))
        self._keys[key.kid] = key

    def forget(self, kid: str) -> None:
        self._keys.pop(kid, None)

    # -- licence type schemas (field minimisation in answers) --------------------------

    def schema_keys(self, type_code: str) -> frozenset[str] | None:
        """The field keys of a licence type as read from the read model less than
        :data:`SCHEMA_CACHE_SECONDS` ago, if any."""
        cached = self._schemas.get(type_code)
        if cached is None or time.monotonic() - cached[0] > SCHEMA_CACHE_SECONDS:
            return None
        return cached[1]

    def remember_schema(self, type_code: str, keys: frozenset[str]) -> None:
        self._schemas[type_code] = (time.monotonic(), keys)

    # -- events -----------------------------------------------------------------------

    async def emit(self, session: AsyncSession, payload: EventPayload, subject: str) -> None:
        """Stage a ``certificate.*`` event in the session's transaction."""
        await self.outbox.add(
            session, EventEnvelope.wrap(payload, source=self.source, subject=subject)
        )

    # -- resource ---------------------------------------------------------------------

    async def start(self, app: Any = None) -> None:
        return None

    async def stop(self) -> None:
        await self.lookup.stop()
        self._keys.clear()

    async def check(self) -> None:
        return None


def context_of(runtime: ServiceRuntime) -> IssuanceContext:
    for resource in runtime.extra_resources:
        if isinstance(resource, IssuanceContext):
            return resource
    raise RuntimeError("the issuance context is not wired (DEFINITION.wire adds it)")


def get_context(runtime: RuntimeDep) -> IssuanceContext:
    return context_of(runtime)


ContextDep = Annotated[IssuanceContext, Depends(get_context)]
