from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from typing import Final

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wuzheng.contracts.tracing import TraceContext, reset_trace, set_trace

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
        trace = incoming.child() if incoming else TraceContext.new()

        async def send_with_context(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers[REQUEST_ID_HEADER] = request_id
                response_headers["traceparent"] = trace.traceparent
            await send(message)

        id_token, trace_token = _request_id.set(request_id), set_trace(trace)
        try:
            await self.app(scope, receive, send_with_context)
        finally:
            reset_trace(trace_token)
            _request_id.reset(id_token)
