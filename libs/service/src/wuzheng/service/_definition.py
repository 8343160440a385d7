from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

from wuzheng.db import Database
from wuzheng.messaging import (
    ConsumerSpec,
    EventConsumer,
    NatsConnection,
    Outbox,
    OutboxRelay,
    Topology,
)
from wuzheng.settings import ServiceSettings
from wuzheng.web import Resource

# Called once the runtime exists and before anything starts: it only registers consumer
# handlers and adds responders or other resources; starting them is the kit's job.
Wire = Callable[["ServiceRuntime"], None]


@dataclass(frozen=True)
class ServiceDefinition:
    """Everything the kit needs to know to build, serve and migrate one service."""

    name: str
    title: str
    settings_class: type[ServiceSettings]
    description: str = ""
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[ConsumerSpec] = ()
    wire: Wire | None = None

    @property
    def package(self) -> str:
        return f"wuzheng.{self.name}"

    @property
    def migrations_package(self) -> str:
        return f"{self.package}.migrations"

    @property
    def source(self) -> str:
        """The CloudEvents ``source`` of every event this service emits."""
        return f"/wuzheng/{self.name}"

    @property
    def version(self) -> str:
        try:
            return version(f"wuzheng-{self.name}")
        except PackageNotFoundError:
            return "0.0.0"


@dataclass
class ServiceRuntime:
    """The live parts of one running service, shared by its endpoints and handlers."""

    definition: ServiceDefinition
    settings: ServiceSettings
    database: Database
    topology: Topology
    nats: NatsConnection
    outbox: Outbox
    relay: OutboxRelay
    consumers: dict[str, EventConsumer] = field(default_factory=dict)
    extra_resources: list[Resource] = field(default_factory=list)

    def consumer(self, durable: str) -> EventConsumer:
        """The consumer declared with this durable name, to register handlers on."""
        try:
            return self.consumers[durable]
        except KeyError:
            declared = ", ".join(sorted(self.consumers)) or "none"
            raise KeyError(f"no consumer {durable!r} declared (declared: {declared})") from None

    def add_resource(self, resource: Resource) -> None:
        """Start ``resource`` with the service (after NATS, the relay and the consumers)."""
        self.extra_resources.append(resource)

    def subject(self, logical: str) -> str:
        """A logical NATS subject (``verify.<issuer>``) in this mesh's namespace."""
        return self.topology.subject(logical)
