from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from wuzheng.settings import ServiceSettings
from wuzheng.web import create_app


async def test_healthz(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "service", "version": "1.2.3"}


async def test_readyz_lists_every_resource(client: AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "service": "service",
        "resources": {"auth": "ok", "db": "ok", "nats": "ok"},
    }


async def test_readyz_is_a_503_problem_naming_what_is_not_ready(
    client: AsyncClient, resources: list[Any]
) -> None:
    resources[1].failure = ConnectionRefusedError("nats://127.0.0.1:4223 refused")
    resources[0].hang = True
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://wuzheng.dev/problems/not-ready"
    assert problem["detail"] == "not ready: db, nats"
    assert problem["resources"] == {
        "auth": "ok",
        "db": "no answer within 0.2s",
        "nats": "ConnectionRefusedError: nats://127.0.0.1:4223 refused",
    }


async def test_resources_start_in_order_and_stop_in_reverse(
    app: FastAPI, events: list[str]
) -> None:
    async with LifespanManager(app):
        assert events == ["start db", "start nats"]
        assert app.state.token_validator is not None
    assert events == ["start db", "start nats", "stop nats", "stop db"]


async def test_an_app_not_run_by_serve_leaves_the_collector_alone(app: FastAPI) -> None:
    # Tests build apps by the dozen in one process: freezing each one's heap would keep
    # every object of every earlier test alive.
    before = gc.get_freeze_count()
    async with LifespanManager(app):
        assert gc.get_freeze_count() == before


async def test_a_failed_start_stops_what_had_started(
    settings: ServiceSettings, events: list[str], fake_resource: Callable[..., Any]
) -> None:
    resources = [
        fake_resource("db", events),
        fake_resource("nats", events, fail_start=True),
        fake_resource("cache", events),
    ]
    app = create_app(settings, title="t", version="1", resources=resources)
    with pytest.raises(RuntimeError, match="nats cannot start"):
        async with LifespanManager(app):
            pass
    assert events == ["start db", "stop db"]


async def test_the_lifespan_hook_runs_inside_the_resources(
    settings: ServiceSettings, events: list[str], fake_resource: Callable[..., Any]
) -> None:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("hook up")
        yield
        events.append("hook down")

    app = create_app(
        settings, title="t", version="1", resources=[fake_resource("db", events)], lifespan=lifespan
    )
    async with LifespanManager(app):
        pass
    assert events == ["start db", "hook up", "hook down", "stop db"]


async def test_an_authenticated_request_and_its_challenge(
    client: AsyncClient, token: Callable[..., str]
) -> None:
    anonymous = await client.get("/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    known = await client.get("/me", headers={"Authorization": f"Bearer {token()}"})
    assert known.json() == {"department": "11370784004392988A"}


async def test_several_apps_live_in_one_process(settings: ServiceSettings) -> None:
    for _ in range(2):
        app = create_app(settings, title="t", version="1")
        async with (
            LifespanManager(app) as manager,
            AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://t") as client,
        ):
            assert (await client.get("/metrics")).status_code == 200


def test_the_openapi_document_describes_probes_errors_and_auth(app: FastAPI) -> None:
    document = app.openapi()
    assert {"/healthz", "/readyz", "/items/{item_id}"} <= set(document["paths"])
    assert "/metrics" not in document["paths"]
    readyz = document["paths"]["/readyz"]["get"]["responses"]
    assert "application/problem+json" in readyz["503"]["content"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
