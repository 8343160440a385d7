from __future__ import annotations

from fastapi import FastAPI

from wuzheng.auth import TokenValidator
from wuzheng.db import Database, PoolSettings
from wuzheng.messaging import EventConsumer, NatsConnection, Outbox, OutboxRelay, mesh_topology
from wuzheng.service._database_errors import install_database_problems
from wuzheng.service._definition import ServiceDefinition, ServiceRuntime
from wuzheng.service._metrics import EVENT_PATH, consumer_lag_hook, outbox_backlog_hook
from wuzheng.settings import ServiceSettings
from wuzheng.web import Resource, create_app


class _WiredResources:
    """Starts what ``wire`` added, once the core resources are up (and stops it first)."""

    name = "service-resources"

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self._started: list[Resource] = []

    async def start(self, app: FastAPI) -> None:
        for resource in self.runtime.extra_resources:
            await resource.start(app)
            self._started.append(resource)
        EVENT_PATH.register(self.runtime)  # relay and consumer counters on /metrics

    async def stop(self) -> None:
        EVENT_PATH.unregister(self.runtime)
        while self._started:
            await self._started.pop().stop()

    async def check(self) -> None:
        for resource in self._started:
            await resource.check()


def database_of(settings: ServiceSettings) -> Database:
    """The service's database with the pool its settings ask for."""
    pool = PoolSettings(
        size=settings.database_pool_size,
        overflow=settings.database_pool_overflow,
        pre_ping=settings.database_pool_pre_ping,
    )
    return Database(settings.resolved_database_url, pool=pool)


def build_runtime(definition: ServiceDefinition, settings: ServiceSettings) -> ServiceRuntime:
    topology = mesh_topology(
        consumers=definition.consumers,
        namespace=settings.nats_namespace,
        replicas=settings.nats_stream_replicas,
    )
    database = database_of(settings)
    nats = NatsConnection(settings.nats_url, client_name=definition.name, topology=topology)
    runtime = ServiceRuntime(
        definition=definition,
        settings=settings,
        database=database,
        topology=topology,
        nats=nats,
        outbox=Outbox(topology),
        relay=OutboxRelay(database, nats),
    )
    for spec in definition.consumers:
        runtime.consumers[spec.durable] = EventConsumer(database, nats, spec, topology=topology)
    return runtime


def create_service_app(
    definition: ServiceDefinition, settings: ServiceSettings | None = None
) -> FastAPI:
    """The service's app: every shared part started in order, its routers mounted."""
    settings = settings or definition.settings_class()
    runtime = build_runtime(definition, settings)
    wired = _WiredResources(runtime)

    resources: list[Resource] = [
        runtime.database,
        runtime.nats,
        runtime.relay,
        *runtime.consumers.values(),
        wired,
    ]
    app = create_app(
        settings,
        title=definition.title,
        version=definition.version,
        description=definition.description,
        routers=definition.routers,
        resources=resources,
        token_validator=TokenValidator.from_settings(settings),
        metrics_hooks=[outbox_backlog_hook(runtime), consumer_lag_hook(runtime)],
    )
    install_database_problems(app)
    app.state.runtime = runtime
    app.state.database = runtime.database
    app.state.outbox = runtime.outbox
    app.state.nats = runtime.nats
    if definition.wire is not None:
        definition.wire(runtime)
    return app
