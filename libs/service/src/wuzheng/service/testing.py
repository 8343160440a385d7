"""Pytest support for service tests, registered by the root ``conftest.py``.

    async def test_items(service_harness: ServiceHarness) -> None:
        async with service_harness.run(DEFINITION) as service:
            token = service.token("public-security", "verify:request")
            response = await service.client.get("/v1/items", headers=bearer(token))

``span_exporter`` installs an OpenTelemetry tracer provider for the test with an in-memory
exporter (as ``OTEL_EXPORTER_OTLP_ENDPOINT`` would, minus the network) and removes it after,
so tests can assert on the spans a request, an event or a NATS request made.

``run`` applies the service's real migrations to the test's fresh database (SQLite, or
scratch PostgreSQL with ``WUZHENG_TEST_POSTGRES``), starts the app with its lifespan against
the test NATS in a namespace of its own, and gives an ``httpx.AsyncClient`` on it.
Several services can run in one test, each on its own database and all in the test's
namespace, so they exchange real events::

    async with harness.run(ISSUANCE) as issuance, harness.run(VERIFICATION) as verification:
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util._once import Once

from wuzheng.auth import ensure_dev_signing_key, mint_token
from wuzheng.db import migrate
from wuzheng.db.testing import DatabaseFactory
from wuzheng.service._definition import ServiceDefinition, ServiceRuntime
from wuzheng.service._factory import create_service_app
from wuzheng.service._telemetry import tracer_provider
from wuzheng.settings import ServiceSettings


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class RunningService:
    app: FastAPI
    client: httpx.AsyncClient
    settings: ServiceSettings
    var_dir: Path

    @property
    def runtime(self) -> ServiceRuntime:
        runtime = self.app.state.runtime
        assert isinstance(runtime, ServiceRuntime)
        return runtime

    def token(self, department: str, *scopes: str, operator: str | None = "op-test") -> str:
        return mint_token(self.var_dir, department=department, scopes=scopes, operator=operator)

    def auth(
        self, department: str, *scopes: str, operator: str | None = "op-test"
    ) -> dict[str, str]:
        return bearer(self.token(department, *scopes, operator=operator))


@dataclass
class ServiceHarness:
    var_dir: Path
    databases: DatabaseFactory
    nats_url: str
    nats_namespace: str

    def settings(
        self, definition: ServiceDefinition, database_url: str, **overrides: Any
    ) -> ServiceSettings:
        values: dict[str, Any] = {
            "environment": "test",
            "var_dir": self.var_dir,
            "database_url": database_url,
            "nats_url": self.nats_url,
            "nats_namespace": self.nats_namespace,
        }
        values.update(overrides)
        return definition.settings_class(**values)

    @asynccontextmanager
    async def run(
        self,
        definition: ServiceDefinition,
        *,
        headers: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> AsyncIterator[RunningService]:
        database_url = overrides.pop("database_url", None) or await self.databases.create(
            definition.name
        )
        settings = self.settings(definition, database_url, **overrides)
        await migrate(settings.resolved_database_url, definition.migrations_package)
        app = create_service_app(definition, settings)
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver", headers=headers
            ) as client:
                yield RunningService(app, client, settings, self.var_dir)


@pytest.fixture
def service_harness(
    tmp_path: Path, database_factory: DatabaseFactory, nats_url: str, nats_namespace: str
) -> ServiceHarness:
    ensure_dev_signing_key(tmp_path)
    return ServiceHarness(tmp_path, database_factory, nats_url, nats_namespace)


def reset_tracer_provider() -> None:
    # OpenTelemetry keeps the first provider for the process; tests need a fresh one each
    # (the same reset opentelemetry-test-utils performs).
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None


@pytest.fixture
def span_exporter() -> Iterator[InMemorySpanExporter]:
    """Tracing on for this test: every finished span lands in the returned exporter."""
    exporter = InMemorySpanExporter()
    provider = tracer_provider("test", "0.0.0", exporter, batch=False)
    reset_tracer_provider()
    trace.set_tracer_provider(provider)
    try:
        yield exporter
    finally:
        provider.shutdown()
        reset_tracer_provider()
