from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from typing import Final

from opentelemetry import trace as otel
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wuzheng.contracts.tracing import TraceContext, reset_trace, set_trace
from wuzheng.web._metrics import method_label, route_template
from wuzheng.web._telemetry import TRACER_NAME, parent_context, trace_context_of, tracing_enabled

REQUEST_ID_HEADER: Final = "X-Request-ID"
_SAFE_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9._~:/+=@-]{1,128}")

_request_id: ContextVar[str | None] = ContextVar("wuzheng_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled, if any (it is also in every log line)."""
    return _request_id.get()


def accept_request_id(value: str | None) -> str:
    """The client's request id if it is short and made of safe characters, else a new one."""
    if value is not None and _SAFE_REQUEST_ID.fullmatch(value):
        return value
    return secrets.token_hex(16)


class RequestContextMiddleware:
    """Gives each request an id and a trace context, and echoes both in the response.

    ``X-Request-ID`` is taken from the client when valid (so a department system can quote
    its own id) or generated. The incoming W3C ``traceparent`` is continued as a child span
    (a new trace starts without one) and set as :func:`wuzheng.contracts.tracing.current_trace`
    for the request, so logs and published events carry its trace id.

    When OpenTelemetry is configured (a tracer provider installed), the request is also a
    SERVER span named ``METHOD /route/{template}``, child of the incoming ``traceparent``,
    and the request's trace context is that span's, so what the request causes (outbox
    events, NATS requests) hangs under it in the exported trace. The raw path is not an
    attribute (it may hold personal data): the route template is.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = accept_request_id(headers.get(REQUEST_ID_HEADER))
        incoming = TraceContext.parse(headers.get("traceparent"), headers.get("tracestate"))
        if tracing_enabled():
            await self._traced(scope, receive, send, request_id, incoming)
            return
        trace = incoming.child() if incoming else TraceContext.new()
        await self._handle(scope, receive, send, request_id, trace)

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        request_id: str,
        trace: TraceContext,
        on_status: list[int] | None = None,
    ) -> None:
        async def send_with_context(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers[REQUEST_ID_HEADER] = request_id
                response_headers["traceparent"] = trace.traceparent
                if on_status is not None:
                    on_status.append(message["status"])
            await send(message)

        id_token, trace_token = _request_id.set(request_id), set_trace(trace)
        try:
            await self.app(scope, receive, send_with_context)
        finally:
            reset_trace(trace_token)
            _request_id.reset(id_token)

    async def _traced(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        request_id: str,
        incoming: TraceContext | None,
    ) -> None:
        method = method_label(scope["method"])
        tracer = otel.get_tracer(TRACER_NAME)
        statuses: list[int] = []
        with tracer.start_as_current_span(
            method,
            context=parent_context(incoming),
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "url.scheme": scope.get("scheme", "http"),
                "http.request.header.x_request_id": request_id,
            },
            record_exception=False,  # messages may quote personal data
            set_status_on_exception=True,
        ) as span:
            try:
                await self._handle(
                    scope, receive, send, request_id, trace_context_of(span), statuses
                )
            finally:
                route = route_template(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                if statuses:
                    span.set_attribute("http.response.status_code", statuses[0])
                    if statuses[0] >= 500:
                        span.set_status(Status(StatusCode.ERROR))
