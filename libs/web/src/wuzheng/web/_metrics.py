from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Final

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from starlette.routing import Mount
from starlette.types import Scope

# Defined once per process (prometheus-client refuses duplicates), shared by every app in it.
# Services add their own metrics the same way: module-level objects in the default registry
# appear on /metrics; a metrics hook refreshes gauges just before a scrape.
HTTP_REQUESTS: Final = Counter(
    "wuzheng_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY: Final = Histogram(
    "wuzheng_http_request_duration_seconds",
    "Time from receiving a request to the end of its response.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

UNMATCHED_ROUTE: Final = "<unmatched>"
_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

MetricsHook = Callable[[], Awaitable[None]]


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/items/{item_id}``), never the raw path, so label
    values stay few; unmatched paths share one value."""
    route = scope.get("route")
    if isinstance(route, Mount):
        return scope.get("root_path") or "/"
    template = getattr(route, "path_format", None)
    if not isinstance(template, str):
        return UNMATCHED_ROUTE
    return scope.get("root_path", "").rstrip("/") + template or "/"


def method_label(method: str) -> str:
    return method if method in _METHODS else "OTHER"


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    labels = (method_label(method), route, str(status))
    HTTP_REQUESTS.labels(*labels).inc()
    HTTP_LATENCY.labels(*labels).observe(seconds)


def metrics_router(hooks: Sequence[MetricsHook] = ()) -> APIRouter:
    """``GET /metrics`` in the Prometheus text format; ``hooks`` run first (e.g. to set a
    gauge from a database count)."""
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        for hook in hooks:
            await hook()
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router
