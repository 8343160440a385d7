from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, FastAPI, Request
from httpx import ASGITransport, AsyncClient

from wuzheng.auth import CallerDep, mint_token
from wuzheng.contracts.problems import Conflict
from wuzheng.contracts.tracing import current_trace
from wuzheng.settings import ServiceSettings
from wuzheng.web import JsonFormatter, RequestModel, create_app, current_request_id


@dataclass
class FakeResource:
    """A test double for the Resource protocol that records what happens to it."""

    name: str
    events: list[str] = field(default_factory=list)
    fail_start: bool = False
    failure: Exception | None = None
    hang: bool = False

    async def start(self, app: FastAPI) -> None:
        if self.fail_start:
            raise RuntimeError(f"{self.name} cannot start")
        self.events.append(f"start {self.name}")

    async def stop(self) -> None:
        self.events.append(f"stop {self.name}")

    async def check(self) -> None:
        if self.hang:
            await asyncio.sleep(10)
        if self.failure is not None:
            raise self.failure


class Item(RequestModel):
    name: str
    quantity: int = 1


def items_router() -> APIRouter:
    router = APIRouter()

    @router.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, Any]:
        trace = current_trace()
        return {
            "item_id": item_id,
            "trace_id": trace.trace_id if trace else None,
            "request_id": current_request_id(),
        }

    @router.post("/items", status_code=201)
    async def create_item(item: Item) -> Item:
        return item

    @router.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @router.get("/conflict")
    async def conflict() -> None:
        raise Conflict("item 7 already exists", item_id=7)

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("database password hunter2 for 370724199001011234")

    @router.get("/me")
    async def me(caller: CallerDep) -> dict[str, str | None]:
        return {"department": caller.department_code}

    return router


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ServiceSettings:
    monkeypatch.setenv("WUZHENG_ENV", "test")
    monkeypatch.setenv("WUZHENG_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("WUZHENG_AUTH_JWKS", raising=False)
    return ServiceSettings(max_body_bytes=1024)


@pytest.fixture
def fake_resource() -> type[FakeResource]:
    return FakeResource


@pytest.fixture
def events() -> list[str]:
    return []


@pytest.fixture
def resources(events: list[str]) -> list[FakeResource]:
    return [FakeResource("db", events), FakeResource("nats", events)]


@pytest.fixture
def app(settings: ServiceSettings, resources: list[FakeResource]) -> FastAPI:
    return create_app(
        settings,
        title="test service",
        version="1.2.3",
        routers=[items_router()],
        resources=resources,
        readiness_timeout=0.2,
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with (
        LifespanManager(app) as manager,
        AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://test") as http,
    ):
        yield http


@pytest.fixture
def token(settings: ServiceSettings) -> Callable[..., str]:
    def _token(**kwargs: Any) -> str:
        kwargs.setdefault("department", "11370784004392988A")
        kwargs.setdefault("scopes", ["licences:read"])
        return mint_token(settings.var_dir, **kwargs)

    return _token


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The JSON lines our loggers write during the test, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("test-service"))
    logger = logging.getLogger("wuzheng")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
