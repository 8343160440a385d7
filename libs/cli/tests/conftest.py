"""Fixtures for the operator command's tests: a kit service served over real HTTP (uvicorn on
a free 127.0.0.1 port) and a way to run the command without blocking the test's loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
import uvicorn
from fastapi import FastAPI
from pydantic_settings import SettingsConfigDict
from typer.testing import CliRunner, Result

from wuzheng.cli.main import app as wuzheng
from wuzheng.db import migrate
from wuzheng.messaging import ConsumerSpec
from wuzheng.service import ServiceDefinition, create_service_app
from wuzheng.service.testing import ServiceHarness
from wuzheng.settings import ServiceSettings, service_config

MIGRATIONS = str(Path(__file__).parent / "migrations")  # the messaging tables


class StandInSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("STANDIN_")
    service_name: ClassVar[str] = "standin"


@dataclass(frozen=True)
class StandIn(ServiceDefinition):
    @property
    def migrations_package(self) -> str:
        return MIGRATIONS


STANDIN = StandIn(
    name="standin",
    title="a kit service for the CLI tests",
    settings_class=StandInSettings,
    consumers=[ConsumerSpec("CATALOG", "standin-catalog", ("catalog.>",))],
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    app: FastAPI
    url: str


@contextlib.asynccontextmanager
async def serve(app: FastAPI, *, lifespan: bool = True) -> AsyncIterator[Served]:
    """``app`` under uvicorn on a free 127.0.0.1 port until exit; ``lifespan=False`` for an
    app already started (e.g. by the service harness)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            lifespan="on" if lifespan else "off",
            log_config=None,
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(300):
            if server.started or task.done():
                break
            await asyncio.sleep(0.05)
        if not server.started:
            raise RuntimeError("uvicorn did not start")
        yield Served(app, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


@pytest.fixture
def serve_app() -> Callable[..., contextlib.AbstractAsyncContextManager[Served]]:
    return serve


@pytest.fixture
async def standin(service_harness: ServiceHarness) -> AsyncIterator[Served]:
    """The stand-in service, migrated and served on a free port, in the test's namespace."""
    database_url = await service_harness.databases.create("standin")
    settings = service_harness.settings(STANDIN, database_url)
    await migrate(settings.resolved_database_url, STANDIN.migrations_package)
    async with serve(create_service_app(STANDIN, settings)) as served:
        yield served


@pytest.fixture
def invoke() -> Callable[..., Any]:
    """Run ``wuzheng <args>`` in a thread (the command runs its own event loop)."""

    async def run(args: Sequence[str], env: dict[str, str] | None = None) -> Result:
        def call() -> Result:
            return CliRunner().invoke(wuzheng, list(args), env=env)

        return await asyncio.to_thread(call)

    return run


@pytest.fixture
def closed_port_url() -> str:
    """A URL nothing listens on (the port was free a moment ago)."""
    return f"http://127.0.0.1:{free_port()}"
