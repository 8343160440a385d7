"""Baselines every benchmark is compared with, measured in the same run on the same machine.

HTTP figures are taken in-process (httpx over ASGI, no sockets) at a fixed concurrency, so a
service endpoint and the bare FastAPI endpoint are measured the same way and their ratio
says what the service's own work costs.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import nats
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from pydantic import BaseModel


@dataclass(frozen=True)
class Throughput:
    per_second: float
    p50_ms: float
    p99_ms: float


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def measure_concurrent(
    call: Callable[[int], Awaitable[None]], *, n: int, concurrency: int
) -> Throughput:
    """Run ``call(i)`` for i in range(n) with ``concurrency`` in flight."""
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            started = time.perf_counter()
            await call(i)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return Throughput(n / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99))


class _Echo(BaseModel):
    licence_id: str
    holder: str
    purpose: str


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/echo")
    async def echo(body: _Echo) -> _Echo:
        return body

    return app


async def bare_fastapi(method: str, *, n: int, concurrency: int) -> Throughput:
    """Requests per second of a bare FastAPI GET or POST, in-process."""
    transport = httpx.ASGITransport(app=bare_app())
    body = {"licence_id": "1.2.156.3005.2.X", "holder": "111:X", "purpose": "bench"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def call(_i: int) -> None:
            if method == "GET":
                response = await client.get("/ping")
            else:
                response = await client.post("/echo", json=body)
            response.raise_for_status()

        return await measure_concurrent(call, n=n, concurrency=concurrency)


def ed25519_signs_per_second(n: int) -> float:
    key = Ed25519PrivateKey.generate()
    message = b'{"licence":"1.2.156.3005.2","fields":{"name":"bench"}}' * 4
    started = time.perf_counter()
    for _ in range(n):
        key.sign(message)
    return n / (time.perf_counter() - started)


async def nats_publishes_per_second(nats_url: str, n: int) -> float:
    """Acknowledged JetStream publishes per second, one at a time, into a scratch stream."""
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    stream = f"BENCH_BASELINE_{int(time.time() * 1000)}"
    await js.add_stream(name=stream, subjects=[f"{stream.lower()}.>"])
    payload = b"x" * 512
    try:
        started = time.perf_counter()
        for i in range(n):
            await js.publish(f"{stream.lower()}.raw", payload, headers={"Nats-Msg-Id": str(i)})
        return n / (time.perf_counter() - started)
    finally:
        await js.delete_stream(stream)
        await connection.close()


def median_of(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
