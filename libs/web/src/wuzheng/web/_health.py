from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel

from wuzheng.contracts.problems import PROBLEM_MEDIA_TYPE, Problem
from wuzheng.web._problems import NotReady
from wuzheng.web._resources import Resource, readiness


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    service: str
    version: str


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    service: str
    resources: dict[str, str]


_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"model": Problem, "description": "Not ready", "content": {PROBLEM_MEDIA_TYPE: {}}}
}


def health_router(
    service: str, version: str, resources: Sequence[Resource], timeout: float
) -> APIRouter:
    """``/healthz`` (the process is alive) and ``/readyz`` (every resource is ready)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness")
    async def healthz() -> Health:
        return Health(service=service, version=version)

    @router.get("/readyz", summary="Readiness", responses=_NOT_READY)
    async def readyz() -> Readiness:
        states = await readiness(resources, timeout)
        if waiting := sorted(name for name, state in states.items() if state != "ok"):
            raise NotReady(f"not ready: {', '.join(waiting)}", service=service, resources=states)
        return Readiness(service=service, resources=states)

    return router
