from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wuzheng.web._problems import PayloadTooLarge, render_problem


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once the streamed body passes the limit; FastAPI lets
    HTTPExceptions through its body parsing, so the problem handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds {limit} bytes")


class BodyLimitMiddleware:
    """Refuses request bodies larger than ``max_body_bytes`` with a 413 problem: at once when
    ``Content-Length`` says so, otherwise as soon as the streamed bytes pass the limit."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await render_problem(self._too_large(), scope["path"])(scope, receive, send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watch_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watch_send)
        except BodyTooLarge:
            if started:
                raise
            await render_problem(self._too_large(), scope["path"])(scope, receive, send)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"the request body exceeds {self.max_body_bytes} bytes")
