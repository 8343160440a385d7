from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from wuzheng.messaging import Outbox
from wuzheng.service._definition import ServiceRuntime


def get_runtime(request: Request) -> ServiceRuntime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, ServiceRuntime)
    return runtime


def get_outbox(request: Request) -> Outbox:
    return get_runtime(request).outbox


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
OutboxDep = Annotated[Outbox, Depends(get_outbox)]
