"""Pytest plugin: real NATS servers for tests, registered by the root ``conftest.py``.

Fixtures:

- ``nats_server`` (session): when ``NATS_URL`` is unset, a private ``nats-server -js`` from
  the pip binary on a free 127.0.0.1 port with a temporary store; ``stop()``/``start()``
  restart it on the same port and store. When ``NATS_URL`` is set, that server is used and
  can be neither stopped nor started.
- ``private_nats_server``: always a fresh private server of the test's own (outage tests:
  never stop a shared or system NATS), killed by PID at teardown.
- ``nats_url``: ``nats_server.url``.
- ``nats_namespace``: a name unique to the test, for ``Topology(namespace=...)`` so tests
  sharing a server never see each other's streams or subjects; the namespace's streams
  are deleted from ``nats_server`` when the test ends (nothing piles up on a shared NATS).

and :func:`wait_until` to poll for an asynchronous outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import nats
import pytest

from wuzheng.messaging._topology import unique_namespace
from wuzheng.messaging.server import NatsServerProcess

NATS_URL_ENV = "NATS_URL"


class ExternalNatsServer:
    """A NATS the tests did not start (``NATS_URL``): it is used, never stopped."""

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def running(self) -> bool:
        return True

    def start(self) -> None:
        raise RuntimeError(f"{self.url} is an external NATS: use private_nats_server")

    def stop(self) -> None:
        raise RuntimeError(f"{self.url} is an external NATS: tests never stop it")


async def wait_until(
    condition: Callable[[], Awaitable[bool] | bool],
    *,
    timeout: float = 5.0,  # noqa: ASYNC109 - a polling deadline, not a cancel scope
    interval: float = 0.02,
    message: str = "condition",
) -> float:
    """Poll ``condition`` (sync or async) until true; returns the seconds it took."""
    started = time.monotonic()
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{message} not reached within {timeout}s")
        await asyncio.sleep(interval)


@pytest.fixture(scope="session")
def nats_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[NatsServerProcess | ExternalNatsServer]:
    external = os.environ.get(NATS_URL_ENV)
    if external:
        yield ExternalNatsServer(external)
        return
    server = NatsServerProcess(store_dir=tmp_path_factory.mktemp("nats-store"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_nats_server(tmp_path: Path) -> Iterator[NatsServerProcess]:
    server = NatsServerProcess(store_dir=tmp_path / "nats-store", log_file=tmp_path / "nats.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def nats_url(nats_server: NatsServerProcess | ExternalNatsServer) -> str:
    if not nats_server.running:  # a test stopped it and failed before restarting it
        nats_server.start()
    return nats_server.url


async def delete_namespace_streams(url: str, namespace: str) -> list[str]:
    """Delete every stream named ``<namespace>_*`` on the server at ``url``."""
    nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    try:
        js = nc.jetstream(timeout=5)
        names = [
            info.config.name
            for info in await js.streams_info()
            if info.config.name and info.config.name.startswith(f"{namespace}_")
        ]
        for name in names:
            await js.delete_stream(name)
        return names
    finally:
        await nc.close()


@pytest.fixture
async def nats_namespace(
    nats_server: NatsServerProcess | ExternalNatsServer,
) -> AsyncIterator[str]:
    """A namespace of the test's own; its streams are deleted from ``nats_server`` after."""
    namespace = unique_namespace()
    yield namespace
    if nats_server.running:
        with contextlib.suppress(Exception):
            await delete_namespace_streams(nats_server.url, namespace)
