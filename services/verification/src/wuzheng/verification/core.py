"""The live parts of the verification service, built once by ``wire`` and shared by endpoints
and event handlers: read-model readers with their caches, the issuer client with its
breakers, the route registry and the access log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from wuzheng.service import ServiceRuntime
from wuzheng.verification.audit.log import AccessLog
from wuzheng.verification.cache import TtlCache
from wuzheng.verification.catalog.service import CatalogReader
from wuzheng.verification.holders import HolderHasher
from wuzheng.verification.licences import repository as licences
from wuzheng.verification.routes.client import IssuerClient
from wuzheng.verification.routes.health import Breakers
from wuzheng.verification.routes.service import RouteRegistry
from wuzheng.verification.settings import VerificationSettings


class Core:
    """A web-kit resource: ``start`` publishes it on ``app.state.verification``."""

    name = "verification"

    def __init__(self, runtime: ServiceRuntime) -> None:
        settings = runtime.settings
        assert isinstance(settings, VerificationSettings)
        self.runtime = runtime
        self.settings = settings
        self.database = runtime.database
        self.hasher = HolderHasher(settings.holder_secret.get_secret_value())
        self.breakers = Breakers(
            settings.breaker_failures,
            settings.breaker_open_seconds,
            settings.breaker_first_open_seconds,
        )
        self.client = IssuerClient(settings, runtime.nats, runtime.topology, self.breakers)
        self.routes = RouteRegistry(runtime.database, settings, self.client)
        self.catalog = CatalogReader(runtime.database, settings.read_model_ttl)
        self.kept_signed: set[str] = set()  # licence ids whose sealed copy is stored
        # issuer code → its latest status list token (None: none received yet)
        self.status_lists: TtlCache[str, str | None] = TtlCache(settings.read_model_ttl)
        self.access_log = AccessLog(
            runtime.database,
            runtime.outbox,
            self.hasher,
            source=runtime.definition.source,
            timezone=settings.timezone,
            batch_max=settings.audit_batch_max,
            linger=settings.audit_batch_linger,
        )

    async def load_status_list(self, issuer_code: str) -> str | None:
        async with self.database.reader() as session:
            row = await licences.status_list(session, issuer_code)
        return row.token if row is not None else None

    async def start(self, app: Any) -> None:
        await self.client.start()
        await self.access_log.start()
        app.state.verification = self

    async def stop(self) -> None:
        await self.access_log.stop()
        await self.client.stop()

    async def check(self) -> None:
        await self.access_log.check()


async def get_core(request: Request) -> Core:
    # async: FastAPI would run a plain function in its thread pool, a hop per request.
    core = getattr(request.app.state, "verification", None)
    assert isinstance(core, Core), "the verification core is not started"
    return core


CoreDep = Annotated[Core, Depends(get_core)]
