"""The HTTP kit every wuzheng service is built with.

::

    from wuzheng.web import RequestModel, create_app, serve

    def build_app(settings: CatalogSettings) -> FastAPI:
        return create_app(
            settings,
            title="wuzheng catalog",
            version="0.1.0",
            routers=[items.router, departments.router],
            resources=[Database(settings), Messaging(settings)],
        )

    if __name__ == "__main__":
        settings = CatalogSettings()
        serve(settings, build_app(settings))

What the app gets:

- **Resources** (:class:`Resource`: ``name``, ``start(app)``, ``stop()``, ``check()``) start
  in order and stop in reverse, also when a later one failed to start. The bearer-token
  validator (``wuzheng.auth.TokenValidator``) is always the first.
- **Probes**: ``GET /healthz`` (alive), ``GET /readyz`` (every resource's ``check`` passes,
  else a 503 problem naming the ones that do not), ``GET /metrics`` (Prometheus: request
  counter and latency histogram by method, route template and status, plus any metric a
  service defines at module level with ``prometheus_client``).
- **Errors**: RFC 9457 ``application/problem+json`` for everything — a raised
  ``wuzheng.contracts.problems.ProblemError`` (a ``headers`` mapping on it is sent too), 404
  and 405, 422 with an ``errors`` list of ``{"field", "message", "type"}``, malformed JSON
  (400), bodies over ``settings.max_body_bytes`` (413) and any unhandled exception (500,
  logged with its traceback, nothing leaked). Request bodies derive from
  :class:`RequestModel` so unknown fields are refused.
- **Context**: ``X-Request-ID`` accepted (≤128 safe characters) or generated, W3C
  ``traceparent`` continued or started; both echoed in the response, set for the request
  (:func:`current_request_id`, ``wuzheng.contracts.tracing.current_trace``) and written in
  every log line.
- **Traces**: when an OpenTelemetry tracer provider is installed (the service kit does so
  when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set), each request is a SERVER span continuing the
  caller's ``traceparent``; :func:`tracing_enabled` says whether one is. Without one, no span
  is made.
- **Logs**: :func:`configure_logging` (called by :func:`serve`) writes one JSON object per
  line; an access line per request; resident ID numbers masked
  (:func:`mask_personal_data`).
"""

from wuzheng.web._app import Lifespan, create_app
from wuzheng.web._context import REQUEST_ID_HEADER, current_request_id
from wuzheng.web._logging import JsonFormatter, configure_logging
from wuzheng.web._masking import mask_personal_data
from wuzheng.web._metrics import HTTP_LATENCY, HTTP_REQUESTS, MetricsHook
from wuzheng.web._models import RequestModel
from wuzheng.web._problems import (
    InternalError,
    MalformedBody,
    MethodNotAllowed,
    NotReady,
    PayloadTooLarge,
    problem_response,
    render_problem,
)
from wuzheng.web._resources import Resource
from wuzheng.web._serve import serve
from wuzheng.web._telemetry import tracing_enabled

__all__ = [
    "HTTP_LATENCY",
    "HTTP_REQUESTS",
    "REQUEST_ID_HEADER",
    "InternalError",
    "JsonFormatter",
    "Lifespan",
    "MalformedBody",
    "MethodNotAllowed",
    "MetricsHook",
    "NotReady",
    "PayloadTooLarge",
    "RequestModel",
    "Resource",
    "configure_logging",
    "create_app",
    "current_request_id",
    "mask_personal_data",
    "problem_response",
    "render_problem",
    "serve",
    "tracing_enabled",
]
