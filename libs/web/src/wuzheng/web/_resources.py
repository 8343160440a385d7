from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI

from wuzheng.web._masking import mask_personal_data

logger = logging.getLogger("wuzheng.web")


class Resource(Protocol):
    """Something a service needs running while it serves: a database engine, a NATS
    connection, the token validator. The app starts resources in order, stops them in
    reverse, and asks each whether it is ready for ``/readyz``."""

    @property
    def name(self) -> str:
        """Short name shown by ``/readyz``: ``db``, ``nats``, ``auth``."""
        ...

    async def start(self, app: FastAPI) -> None:
        """Acquire what the resource holds; publish it on ``app.state`` if endpoints need it."""
        ...

    async def stop(self) -> None:
        """Release it. Called in reverse start order, also when a later start failed."""
        ...

    async def check(self) -> None:
        """Return if the resource can serve now; raise (anything) saying why not."""
        ...


@asynccontextmanager
async def running(app: FastAPI, resources: Sequence[Resource]) -> AsyncIterator[None]:
    """Start ``resources`` in order; on exit (or a failed start) stop the started ones in
    reverse order. A failing stop is logged and does not keep the others from stopping."""
    started: list[Resource] = []
    try:
        for resource in resources:
            logger.info("starting %s", resource.name)
            await resource.start(app)
            started.append(resource)
        yield
    finally:
        for resource in reversed(started):
            try:
                await resource.stop()
            except Exception:
                logger.exception("stopping %s failed", resource.name)
            else:
                logger.info("stopped %s", resource.name)


async def _state(resource: Resource, seconds: float) -> str:
    try:
        async with asyncio.timeout(seconds):
            await resource.check()
    except TimeoutError:
        return f"no answer within {seconds:g}s"
    except Exception as exc:
        logger.warning("%s is not ready: %r", resource.name, exc)
        reason = mask_personal_data(str(exc))[:200]
        return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__
    return "ok"


async def readiness(resources: Sequence[Resource], seconds_each: float) -> dict[str, str]:
    """Each resource's state (``"ok"`` or why not), checked concurrently, each given
    ``seconds_each`` seconds."""
    states = await asyncio.gather(*(_state(resource, seconds_each) for resource in resources))
    return {resource.name: state for resource, state in zip(resources, states, strict=True)}
