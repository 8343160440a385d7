from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

from fastapi import APIRouter, FastAPI

from wuzheng.auth import TokenValidator
from wuzheng.settings import ServiceSettings
from wuzheng.web._access import AccessMiddleware
from wuzheng.web._body_limit import BodyLimitMiddleware
from wuzheng.web._context import RequestContextMiddleware
from wuzheng.web._health import health_router
from wuzheng.web._metrics import MetricsHook, metrics_router
from wuzheng.web._problems import UnhandledErrorMiddleware, install_problem_handlers
from wuzheng.web._resources import Resource, running
from wuzheng.web._serve import settle_heap

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def _no_lifespan(app: FastAPI) -> AbstractAsyncContextManager[None]:
    return nullcontext()


def create_app(
    settings: ServiceSettings,
    *,
    title: str,
    version: str,
    description: str = "",
    routers: Sequence[APIRouter] = (),
    resources: Sequence[Resource] = (),
    lifespan: Lifespan | None = None,
    token_validator: TokenValidator | None = None,
    metrics_hooks: Sequence[MetricsHook] = (),
    readiness_timeout: float = 2.0,
) -> FastAPI:
    """A service's FastAPI app with everything every service shares.

    - ``resources`` start in order (after the token validator) when the app starts and stop
      in reverse; ``lifespan`` (an async context manager factory taking the app) runs inside,
      once they have all started.
    - ``/healthz``, ``/readyz`` (each resource's ``check``, concurrently, ``readiness_timeout``
      seconds each) and ``/metrics``; ``metrics_hooks`` run before each scrape.
    - Every error as ``application/problem+json``; bodies over ``settings.max_body_bytes``
      refused with 413; request ids and trace context; JSON access logs.

    ``token_validator`` defaults to ``TokenValidator.from_settings(settings)``; it is on
    ``app.state.token_validator`` once started, and ``settings`` on ``app.state.settings``.
    """
    validator = token_validator or TokenValidator.from_settings(settings)
    all_resources: tuple[Resource, ...] = (validator, *resources)

    @asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(app, all_resources), (lifespan or _no_lifespan)(app):
            settle_heap(app)
            yield

    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=app_lifespan,
        # FastAPI's own OpenTelemetry spans record the raw path (personal data: holder codes
        # are path parameters) and exception messages; RequestContextMiddleware makes the
        # request span instead, named by route template.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.resources = all_resources

    install_problem_handlers(app)
    # Added innermost first: the request context wraps everything, so even a 413 or a 500
    # carries the request id and is counted and logged.
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(AccessMiddleware)
    app.add_middleware(RequestContextMiddleware)

    app.include_router(
        health_router(settings.service_name, version, all_resources, readiness_timeout)
    )
    app.include_router(metrics_router(metrics_hooks))
    for router in routers:
        app.include_router(router)
    return app
