"""One NATS connection per service: reconnects forever, logs every state change."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

import nats
from nats.aio.client import Client, Server
from nats.js import JetStreamContext

from wuzheng.messaging._errors import NotConnected
from wuzheng.messaging._topology import Topology

logger = logging.getLogger("wuzheng.messaging.connection")


class NatsConnection:
    """A web-kit resource owning the service's NATS connection and JetStream context.

    ``start`` connects (retrying until ``start_timeout``), then applies ``topology`` if
    given. Once connected, a lost connection is retried forever with exponential backoff
    (capped at ``reconnect_backoff_cap`` seconds, with jitter); listeners registered with
    :meth:`on_reconnect` run after every reconnect (the relay uses it to flush its backlog).
    """

    name = "nats"

    def __init__(
        self,
        url: str = "nats://127.0.0.1:4222",
        *,
        client_name: str = "wuzheng",
        topology: Topology | None = None,
        connect_timeout: float = 2.0,
        start_timeout: float = 30.0,
        reconnect_backoff_cap: float = 5.0,
        request_timeout: float = 5.0,
        check_timeout: float = 2.0,
    ) -> None:
        self.url = url
        self.client_name = client_name
        self.topology = topology
        self.connect_timeout = connect_timeout
        self.start_timeout = start_timeout
        self.reconnect_backoff_cap = reconnect_backoff_cap
        self.request_timeout = request_timeout
        self.check_timeout = check_timeout
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._reconnect_listeners: list[Callable[[], None]] = []
        self._closing = False

    @property
    def nc(self) -> Client:
        if self._nc is None:
            raise NotConnected("NatsConnection.start() was not called")
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise NotConnected("NatsConnection.start() was not called")
        return self._js

    @property
    def is_connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    def on_reconnect(self, listener: Callable[[], None]) -> None:
        self._reconnect_listeners.append(listener)

    # -- callbacks --------------------------------------------------------------------

    async def _on_error(self, exc: Exception) -> None:
        logger.warning("nats %s: %s: %s", self.url, type(exc).__name__, exc)

    async def _on_disconnected(self) -> None:
        if self._closing:
            return
        logger.warning("nats disconnected from %s; reconnecting", self.url)

    async def _on_reconnected(self) -> None:
        server = self._nc.connected_url if self._nc is not None else None
        logger.info("nats reconnected to %s", server.netloc if server else self.url)
        for listener in self._reconnect_listeners:
            try:
                listener()
            except Exception:
                logger.exception("reconnect listener failed")

    async def _on_closed(self) -> None:
        logger.info("nats connection to %s closed", self.url)

    def _next_server(self, servers: list[Server], _info: dict[str, Any]) -> tuple[Server, float]:
        server = min(servers, key=lambda s: s.reconnects)
        base = min(self.reconnect_backoff_cap, 0.05 * 2.0**server.reconnects)
        return server, base * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not a secret

    # -- resource ---------------------------------------------------------------------

    async def start(self, app: Any = None) -> None:
        self._closing = False
        nc = Client()
        connect = nc.connect(
            self.url,
            name=self.client_name,
            connect_timeout=max(1, round(self.connect_timeout)),
            reconnect_time_wait=1,
            max_reconnect_attempts=-1,
            allow_reconnect=True,
            reconnect_to_server_handler=self._next_server,
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=self._on_reconnected,
            closed_cb=self._on_closed,
        )
        try:
            await asyncio.wait_for(connect, self.start_timeout)
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            await nc.close()
            raise NotConnected(f"cannot connect to NATS at {self.url}: {exc!r}") from exc
        self._nc = nc
        self._js = nc.jetstream(timeout=self.request_timeout)
        logger.info("connected to nats at %s as %s", self.url, self.client_name)
        if self.topology is not None:
            await self.topology.apply(self._js)

    async def check(self) -> None:
        """Readiness: connected, and JetStream answers (within ``check_timeout``)."""
        if not self.is_connected:
            raise NotConnected(f"not connected to NATS at {self.url}")
        try:
            await asyncio.wait_for(self.js.account_info(), self.check_timeout)
        except (TimeoutError, nats.errors.Error) as exc:
            raise NotConnected(f"JetStream at {self.url} does not answer: {exc!r}") from exc

    async def stop(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        self._closing = True
        if nc is None or nc.is_closed:
            return
        try:
            await nc.drain()
        except Exception:
            logger.debug("drain failed; closing", exc_info=True)
            await nc.close()
