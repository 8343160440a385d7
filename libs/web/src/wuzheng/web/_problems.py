from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wuzheng.contracts.problems import (
    PROBLEM_MEDIA_TYPE,
    InvalidInput,
    NotFound,
    Problem,
    ProblemError,
)
from wuzheng.web._context import current_request_id

logger = logging.getLogger("wuzheng.web")


class MalformedBody(ProblemError):
    status = 400
    slug = "malformed-body"
    title = "Malformed request body"


class MethodNotAllowed(ProblemError):
    status = 405
    slug = "method-not-allowed"
    title = "Method not allowed"


class PayloadTooLarge(ProblemError):
    status = 413
    slug = "payload-too-large"
    title = "Request body too large"


class NotReady(ProblemError):
    status = 503
    slug = "not-ready"
    title = "Not ready"


class InternalError(ProblemError):
    status = 500
    slug = "internal-error"
    title = "Internal server error"


# Starlette's own HTTP errors that have a problem type of ours; others are "about:blank".
_HTTP_PROBLEMS: Final[Mapping[int, type[ProblemError]]] = {
    400: ProblemError,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
}


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """Render a problem as ``application/problem+json`` with its status."""
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def render_problem(error: ProblemError, instance: str | None) -> JSONResponse:
    """The response for a :class:`ProblemError`; a ``headers`` mapping on the error (e.g. an
    auth error's ``WWW-Authenticate``) is added to the response."""
    headers = getattr(error, "headers", None)
    return problem_response(
        error.to_problem(instance=instance),
        headers=dict(headers) if isinstance(headers, Mapping) else None,
    )


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    if exc.status >= 500:
        logger.warning("%s: %s", exc.title, exc.detail or "")
    return render_problem(exc, request.url.path)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _http_detail(request: Request, exc: HTTPException) -> str | None:
    if exc.detail and exc.detail != _phrase(exc.status_code):
        return str(exc.detail)
    if exc.status_code == 404:
        return f"no resource at {request.url.path}"
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return f"{request.method} is not allowed here; allowed: {allowed}"
    return None


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = _http_detail(request, exc)
    kind = _HTTP_PROBLEMS.get(exc.status_code)
    if kind is not None:
        problem = kind(detail).to_problem(instance=request.url.path)
    else:
        problem = Problem(
            type="about:blank",
            title=_phrase(exc.status_code),
            status=exc.status_code,
            detail=detail,
            instance=request.url.path,
        )
    return problem_response(problem, headers=exc.headers)


def _dotted(location: tuple[int | str, ...] | list[int | str]) -> str:
    return ".".join(str(part) for part in location)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors: list[Mapping[str, Any]] = list(exc.errors())
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "JSON decode error")
            position = error["loc"][-1]
            malformed = MalformedBody(f"the request body is not valid JSON: {reason} at {position}")
            return render_problem(malformed, request.url.path)
    # Each bad field by its dotted location and what is wrong; the rejected input is not echoed
    # (it may be personal data).
    fields = [
        {"field": _dotted(error["loc"]), "message": error["msg"], "type": error["type"]}
        for error in errors
    ]
    names = ", ".join(dict.fromkeys(field["field"] for field in fields))
    invalid = InvalidInput(f"invalid input: {names}", errors=fields)
    return render_problem(invalid, request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error as problem+json: ours, Starlette's HTTP errors (404, 405, 413 …)
    and request validation (422 naming each field; malformed JSON is a 400)."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(HTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)


class UnhandledErrorMiddleware:
    """The last resort: an exception nothing handled is logged with its traceback and
    answered with a bare 500 problem that leaks nothing but the request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch_send)
        except Exception:
            logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if started:
                raise  # too late for an error response; the server closes the connection
            error = InternalError(
                "an unexpected error occurred; quote the request id when reporting it",
                request_id=current_request_id(),
            )
            await render_problem(error, scope["path"])(scope, receive, send)
