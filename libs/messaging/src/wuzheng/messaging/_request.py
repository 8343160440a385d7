"""Request-reply over core NATS, JSON both ways, trace context in the headers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from opentelemetry.trace import Span, SpanKind

from wuzheng.contracts.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, ProblemError
from wuzheng.contracts.tracing import (
    TraceContext,
    current_or_new_trace,
    reset_trace,
    set_trace,
)
from wuzheng.messaging._connection import NatsConnection
from wuzheng.messaging._errors import (
    InvalidReply,
    NoResponders,
    NotConnected,
    RemoteProblem,
    RequestTimeout,
)
from wuzheng.messaging._telemetry import failed, messaging_attributes, traced

logger = logging.getLogger("wuzheng.messaging.request")

JSON_MEDIA_TYPE = "application/json"
RequestHandler = Callable[[str, dict[str, Any]], Awaitable[Mapping[str, Any]]]


def _client(nc: Client | NatsConnection) -> Client:
    return nc.nc if isinstance(nc, NatsConnection) else nc


def _problem(status: int, slug: str, title: str, detail: str | None = None) -> dict[str, Any]:
    problem: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + slug, "title": title, "status": status}
    if detail:
        problem["detail"] = detail
    return problem


async def request(
    nc: Client | NatsConnection,
    subject: str,
    payload: Mapping[str, Any],
    *,
    timeout: float = 2.0,  # noqa: ASYNC109 - a NATS request timeout, not a cancel scope
) -> dict[str, Any]:
    """Send ``payload`` as JSON to ``subject`` and return the JSON object answered.

    Raises :class:`NoResponders` when nobody listens, :class:`RequestTimeout` when nobody
    answers in time, :class:`RemoteProblem` when the responder answered with a problem and
    :class:`InvalidReply` when the answer is not a JSON object.
    """
    client = _client(nc)
    with traced(
        f"request {subject}",
        current_or_new_trace(),
        SpanKind.CLIENT,
        lambda: messaging_attributes("request", subject),
    ) as (trace, span):
        headers = {"Content-Type": JSON_MEDIA_TYPE, **trace.headers()}
        try:
            return await _request(client, subject, payload, timeout, headers)
        except Exception as exc:
            failed(span, exc)
            raise


async def _request(
    client: Client,
    subject: str,
    payload: Mapping[str, Any],
    timeout: float,  # noqa: ASYNC109 - a NATS request timeout, not a cancel scope
    headers: dict[str, str],
) -> dict[str, Any]:
    try:
        reply = await client.request(
            subject, json.dumps(payload).encode(), timeout=timeout, headers=headers
        )
    except nats.errors.NoRespondersError as exc:
        raise NoResponders(subject, "no responders") from exc
    except nats.errors.TimeoutError as exc:
        raise RequestTimeout(subject, f"no reply within {timeout}s") from exc
    except (nats.errors.ConnectionClosedError, nats.errors.ConnectionReconnectingError) as exc:
        raise NotConnected(f"cannot send a request to {subject}: {exc!r}") from exc
    try:
        body = json.loads(reply.data)
    except ValueError as exc:
        raise InvalidReply(subject, "the reply is not JSON") from exc
    if not isinstance(body, dict):
        raise InvalidReply(subject, "the reply is not a JSON object")
    if (reply.headers or {}).get("Content-Type") == PROBLEM_MEDIA_TYPE:
        raise RemoteProblem(subject, body)
    return body


class InvalidRequest(ProblemError):
    status = 400
    slug = "invalid-request"
    title = "Invalid request"


class Responder:
    """Answers requests on ``subject`` (wildcards allowed, e.g. ``verify.*``) in a queue group.

    ``handler(subject, request)`` gets the concrete subject (so ``verify.<issuer>`` tells
    which issuer is asked) and the decoded JSON object; what it returns is the JSON reply.
    A :class:`ProblemError` it raises becomes that problem; any other exception a 500
    problem (logged) — the requester is never left waiting. Up to ``concurrency`` requests
    are handled at once. A web-kit resource (``start``/``stop``/``check``).
    """

    def __init__(
        self,
        nc: Client | NatsConnection,
        subject: str,
        handler: RequestHandler,
        *,
        queue: str = "",
        concurrency: int = 64,
    ) -> None:
        self._source = nc
        self.subject = subject
        self.handler = handler
        self.queue = queue
        self.name = f"responder:{subject}"
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._sub: Subscription | None = None

    async def start(self, app: Any = None) -> None:
        if self._sub is None:
            self._sub = await _client(self._source).subscribe(
                self.subject, queue=self.queue, cb=self._on_message
            )

    async def stop(self) -> None:
        sub, self._sub = self._sub, None
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def check(self) -> None:
        if self._sub is None:
            raise RuntimeError(f"{self.name} is not subscribed")

    async def _on_message(self, msg: Msg) -> None:
        await self._slots.acquire()
        task = asyncio.create_task(self._serve(msg))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slots.release()

    async def _serve(self, msg: Msg) -> None:
        if not msg.reply:
            return
        incoming = TraceContext.parse(
            (msg.headers or {}).get("traceparent"), (msg.headers or {}).get("tracestate")
        )
        with traced(
            f"reply {self.subject}",
            incoming,
            SpanKind.SERVER,
            lambda: messaging_attributes("process", msg.subject, {"nats.queue": self.queue}),
        ) as (trace, span):
            await self._serve_traced(msg, trace, span)

    async def _serve_traced(self, msg: Msg, trace: TraceContext, span: Span | None) -> None:
        assert msg.reply
        token = set_trace(trace)
        content_type = JSON_MEDIA_TYPE
        try:
            body = await self._answer(msg)
        except ProblemError as exc:
            body = exc.to_problem().model_dump(exclude_none=True)
            content_type = PROBLEM_MEDIA_TYPE
            if exc.status >= 500:
                failed(span, exc)
        except Exception as exc:
            logger.exception("responder %s failed on %s", self.subject, msg.subject)
            body = _problem(500, "responder-error", "Responder error", "the responder failed")
            content_type = PROBLEM_MEDIA_TYPE
            failed(span, exc)
        finally:
            reset_trace(token)
        try:
            data = json.dumps(body, ensure_ascii=False, default=str).encode()
        except (TypeError, ValueError):
            logger.exception("responder %s: reply is not JSON-serialisable", self.subject)
            data = json.dumps(
                _problem(500, "responder-error", "Responder error", "unserialisable reply")
            ).encode()
            content_type = PROBLEM_MEDIA_TYPE
        headers = {"Content-Type": content_type, **trace.headers()}
        try:
            await _client(self._source).publish(msg.reply, data, headers=headers)
        except Exception:
            logger.exception("responder %s cannot reply on %s", self.subject, msg.reply)

    async def _answer(self, msg: Msg) -> dict[str, Any]:
        try:
            request_body = json.loads(msg.data) if msg.data else {}
        except ValueError:
            raise InvalidRequest("the request is not JSON") from None
        if not isinstance(request_body, dict):
            raise InvalidRequest("the request is not a JSON object")
        return dict(await self.handler(msg.subject, request_body))


async def responder(
    nc: Client | NatsConnection,
    subject: str,
    handler: RequestHandler,
    *,
    queue: str = "",
    concurrency: int = 64,
) -> Responder:
    """Start a :class:`Responder` and return it (``await r.stop()`` to unsubscribe)."""
    started = Responder(nc, subject, handler, queue=queue, concurrency=concurrency)
    await started.start()
    return started
