"""``wuzheng status``: every service's liveness, readiness and version over HTTP, and the
mesh's JetStream streams with each durable consumer's lag, read from NATS directly."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
import nats.errors
from nats.aio.client import Client
from nats.js.errors import NotFoundError
from rich.console import Console
from rich.table import Table

from wuzheng.messaging import mesh_topology


@dataclass
class ServiceState:
    name: str
    url: str
    alive: bool = False
    ready: bool = False
    version: str | None = None
    resources: dict[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass
class ConsumerState:
    durable: str
    pending: int
    ack_pending: int
    redelivered: int


@dataclass
class StreamState:
    name: str
    found: bool
    messages: int = 0
    bytes: int = 0
    replicas: int = 0
    consumers: list[ConsumerState] = field(default_factory=list)


@dataclass
class NatsState:
    url: str
    reachable: bool = False
    error: str | None = None
    streams: list[StreamState] = field(default_factory=list)


@dataclass
class MeshStatus:
    services: list[ServiceState]
    nats: NatsState

    @property
    def healthy(self) -> bool:
        return (
            all(service.ready for service in self.services)
            and self.nats.reachable
            and all(stream.found for stream in self.nats.streams)
        )

    def as_dict(self) -> dict[str, Any]:
        return {"healthy": self.healthy, **asdict(self)}


async def service_state(client: httpx.AsyncClient, name: str, url: str) -> ServiceState:
    state = ServiceState(name, url)
    try:
        health = await client.get(f"{url}/healthz")
        state.alive = health.status_code == 200
        if state.alive:
            state.version = health.json().get("version")
        ready = await client.get(f"{url}/readyz")
        body = ready.json()
        state.ready = ready.status_code == 200
        resources = body.get("resources") if isinstance(body, dict) else None
        if isinstance(resources, dict):
            state.resources = {str(k): str(v) for k, v in resources.items()}
        if not state.ready and isinstance(body, dict):
            state.error = str(body.get("detail") or body.get("title") or ready.status_code)
    except httpx.HTTPError as error:
        state.error = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    except ValueError:
        state.error = "the answer is not JSON: is this a wuzheng service?"
    return state


async def nats_state(url: str, namespace: str, timeout: float) -> NatsState:  # noqa: ASYNC109
    state = NatsState(url)
    errors: list[Exception] = []

    async def remember(error: Exception) -> None:  # instead of nats-py's logged tracebacks
        errors.append(error)

    connection = Client()
    try:
        # nats-py retries a refused first connection on its own: bound it by the timeout.
        await asyncio.wait_for(
            connection.connect(
                url,
                connect_timeout=max(1, round(timeout)),
                allow_reconnect=False,
                max_reconnect_attempts=0,
                error_cb=remember,
            ),
            timeout,
        )
    except (OSError, TimeoutError, nats.errors.Error) as error:
        with contextlib.suppress(Exception):
            await connection.close()
        cause = errors[-1] if errors else error
        state.error = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
        return state
    try:
        js = connection.jetstream(timeout=timeout)
        state.reachable = True
        for spec in mesh_topology(namespace=namespace).resolved_streams():
            stream = StreamState(spec.name, found=False)
            state.streams.append(stream)
            try:
                info = await js.stream_info(spec.name)
            except NotFoundError:
                continue
            stream.found = True
            stream.messages = info.state.messages
            stream.bytes = info.state.bytes
            stream.replicas = info.config.num_replicas or 1
            for consumer in await js.consumers_info(spec.name):
                stream.consumers.append(
                    ConsumerState(
                        durable=consumer.name,
                        pending=consumer.num_pending or 0,
                        ack_pending=consumer.num_ack_pending or 0,
                        redelivered=consumer.num_redelivered or 0,
                    )
                )
    except (TimeoutError, nats.errors.Error) as error:
        state.reachable = False
        state.error = f"JetStream does not answer: {type(error).__name__}: {error}"
    finally:
        with contextlib.suppress(Exception):
            await connection.close()
    return state


async def mesh_status(
    services: Sequence[tuple[str, str]],
    nats_url: str,
    namespace: str,
    timeout: float,  # noqa: ASYNC109 - per HTTP or NATS call, not for the whole
) -> MeshStatus:
    async with httpx.AsyncClient(timeout=timeout) as client:
        states, nats_found = await asyncio.gather(
            asyncio.gather(*(service_state(client, name, url) for name, url in services)),
            nats_state(nats_url, namespace, timeout),
        )
    return MeshStatus(list(states), nats_found)


def render(status: MeshStatus, console: Console) -> None:
    services = Table(title="services")
    for column in ("service", "URL", "version", "alive", "ready", "detail"):
        services.add_column(column)
    for service in status.services:
        waiting = [f"{k}: {v}" for k, v in service.resources.items() if v != "ok"]
        detail = "; ".join(waiting) or service.error or ""
        services.add_row(
            service.name,
            service.url,
            service.version or "-",
            "[green]yes[/green]" if service.alive else "[red]no[/red]",
            "[green]yes[/green]" if service.ready else "[red]no[/red]",
            detail,
        )
    console.print(services)

    nats_found = status.nats
    if not nats_found.reachable:
        console.print(f"[red]NATS at {nats_found.url}: {nats_found.error}[/red]")
        return
    streams = Table(title=f"JetStream at {nats_found.url}")
    for column in ("stream", "messages", "replicas", "consumer", "pending", "ack pending"):
        streams.add_column(column, justify="left" if column in ("stream", "consumer") else "right")
    streams.add_column("redelivered", justify="right")
    for stream in nats_found.streams:
        if not stream.found:
            streams.add_row(stream.name, "[red]missing[/red]", "", "", "", "", "")
            continue
        consumers: list[ConsumerState | None] = list(stream.consumers) or [None]
        for index, consumer in enumerate(consumers):
            first = index == 0
            streams.add_row(
                stream.name if first else "",
                str(stream.messages) if first else "",
                str(stream.replicas) if first else "",
                consumer.durable if consumer else "-",
                str(consumer.pending) if consumer else "",
                str(consumer.ack_pending) if consumer else "",
                str(consumer.redelivered) if consumer else "",
            )
    console.print(streams)
