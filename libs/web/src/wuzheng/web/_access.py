from __future__ import annotations

import logging
import time
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wuzheng.web._metrics import observe_request, route_template

access_logger = logging.getLogger("wuzheng.access")

# Probes and scrapes arrive every few seconds: logged at DEBUG so they do not drown the rest.
_QUIET_ROUTES: Final = frozenset({"/healthz", "/readyz", "/metrics"})


class AccessMiddleware:
    """Counts, times and logs each request: the Prometheus request counter and latency
    histogram, and one access-log line (method, route template, status, duration, the
    caller's department when authenticated). The raw path is not logged: it may hold
    personal data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared with request.state, where auth puts the caller
        status = 500  # if the app fails without answering, the server answers 500
        start = time.perf_counter()

        async def watch_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch_send)
        finally:
            duration = time.perf_counter() - start
            method, route = scope["method"], route_template(scope)
            observe_request(method, route, status, duration)
            extra = {
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(duration * 1000, 2),
            }
            department = getattr(scope["state"].get("caller"), "department_code", None)
            if department is not None:
                extra["department"] = department
            access_logger.log(
                logging.DEBUG if route in _QUIET_ROUTES else logging.INFO,
                "%s %s %d",
                method,
                route,
                status,
                extra=extra,
            )
