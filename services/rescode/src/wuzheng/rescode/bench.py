"""What the rescode service costs, each figure beside a baseline measured in the same run.

    python -m wuzheng.rescode.bench [-n 500] [--concurrency 8] [--samples 200]
                                     [--postgres-admin URL] [--nats-url URL]

- **codes issued/s** (``POST /v1/codes``, a fresh holder each) and **codes resolved/s**
  (``POST /v1/codes/resolve``, half QR payloads, half typed digits, every holder with a
  consent and a licence so the scan returns it), both against a bare FastAPI ``POST``
  returning its JSON body, driven the same way: in-process ASGI (httpx ``ASGITransport``,
  no sockets), ``concurrency`` requests in flight. The ratio is the share of a bare
  request's throughput the real endpoint keeps. The resolve rate limit is lifted for the
  run (it is a per-caller policy, not a cost).
- **licence issued → visible in the wallet**: a ``certificate.licence.issued`` event is
  committed to an outbox in a producer database (as the issuance service does), the
  outbox relay publishes it, rescode's consumer projects it; the clock stops when the
  wallet row exists (polled every millisecond). One event in flight at a time; target
  p99 ≤ 100 ms. Baseline: the same commit → relay → NATS path to a plain subscriber.

The run starts the real service (migrations, NATS topology, consumers, relay) on an empty
database: a temporary SQLite file, or a scratch PostgreSQL database created with
``--postgres-admin`` and dropped afterwards; a private nats-server unless ``--nats-url``.
It works in a namespace of its own (its streams are deleted afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from nats.aio.msg import Msg
from pydantic import BaseModel

from wuzheng.auth import ensure_dev_signing_key, mint_token
from wuzheng.contracts import EventEnvelope, HolderCode
from wuzheng.db import Database, migrate, utcnow
from wuzheng.messaging import (
    NatsConnection,
    Outbox,
    OutboxRelay,
    mesh_topology,
    messaging_metadata,
)
from wuzheng.messaging.server import NatsServerProcess
from wuzheng.rescode.app import DEFINITION
from wuzheng.rescode.catalog_view.models import CatalogItemLicenceType
from wuzheng.rescode.settings import RescodeSettings
from wuzheng.rescode.testing import Publisher, SampleCatalog, licence_issued, people, person
from wuzheng.rescode.wallet.models import WalletLicence
from wuzheng.service import ServiceRuntime, create_service_app

__all__ = ["run_bench"]

logger = logging.getLogger("wuzheng.rescode.bench")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _summary(latencies_ms: list[float]) -> dict[str, float]:
    return {
        "p50": round(_percentile(latencies_ms, 0.50), 2),
        "p99": round(_percentile(latencies_ms, 0.99), 2),
        "max": round(max(latencies_ms), 2),
        "mean": round(statistics.fmean(latencies_ms), 2),
    }


async def _throughput(
    n: int, concurrency: int, request: Callable[[int], Awaitable[httpx.Response]]
) -> float:
    """Requests per second for ``n`` calls, ``concurrency`` in flight; every one must work."""
    next_index = iter(range(n))
    failures: list[str] = []

    async def worker() -> None:
        for index in next_index:
            response = await request(index)
            if response.status_code >= 300:
                failures.append(f"{response.status_code} {response.text[:200]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} of {n} requests failed, e.g. {failures[0]}")
    return n / elapsed


class _Echo(BaseModel):
    holder: str


def bare_app() -> FastAPI:
    """The baseline: FastAPI with one POST that validates a body and returns it."""
    app = FastAPI()

    @app.post("/echo")
    async def echo(body: _Echo) -> _Echo:
        return body

    return app


@contextlib.asynccontextmanager
async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield client


async def _wait_rows(runtime: ServiceRuntime, statement: sa.Select[Any], count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        async with runtime.database.sessionmaker() as session:
            found = await session.scalar(
                sa.select(sa.func.count()).select_from(statement.subquery())
            )
        if found is not None and found >= count:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"fewer than {count} rows after 60 s")


class _Producer:
    """An issuance-like producer: its own database with an outbox, a relay, a connection."""

    def __init__(self, database_url: str, nats_url: str, namespace: str) -> None:
        topology = mesh_topology(namespace=namespace)
        self.database = Database(database_url)
        self.nats = NatsConnection(nats_url, client_name="bench-issuance", topology=topology)
        self.relay = OutboxRelay(self.database, self.nats)
        self.outbox = Outbox(topology)
        self.topology = topology

    async def start(self) -> None:
        async with self.database.engine.begin() as connection:
            await connection.run_sync(messaging_metadata.create_all)
        await self.nats.start()
        await self.relay.start()

    async def stop(self) -> None:
        await self.relay.stop()
        await self.nats.stop()
        await self.database.stop()

    async def commit(self, *payloads: Any) -> float:
        """Commit the events to the outbox; the time just after the commit."""
        async with self.database.transaction() as session:
            await self.outbox.add_many(
                session, [EventEnvelope.wrap(p, source="/wuzheng/issuance") for p in payloads]
            )
        return time.perf_counter()


async def _wallet_latency(
    runtime: ServiceRuntime, producer: _Producer, catalog: SampleCatalog, samples: int
) -> list[float]:
    latencies = []
    for _ in range(samples):
        event = licence_issued(person(), catalog.id_card)
        statement = sa.select(WalletLicence.licence_id).where(
            WalletLicence.licence_id == str(event.licence_id)
        )
        committed = await producer.commit(event)
        async with runtime.database.sessionmaker() as session:
            while (await session.execute(statement)).first() is None:
                if time.perf_counter() - committed > 10:
                    raise TimeoutError("a licence did not reach the wallet within 10 s")
                await asyncio.sleep(0.001)
                await session.rollback()  # a fresh snapshot for the next look
        latencies.append((time.perf_counter() - committed) * 1000)
    return latencies


async def _delivery_latency(
    producer: _Producer, catalog: SampleCatalog, samples: int
) -> list[float]:
    """Baseline: commit → relay → NATS → a plain subscriber (no consumer, no projection)."""
    arrived: dict[str, float] = {}
    waiting: dict[str, asyncio.Event] = {}

    async def received(msg: Msg) -> None:
        event_id = (msg.headers or {}).get("Nats-Msg-Id", "")
        arrived[event_id] = time.perf_counter()
        if event_id in waiting:
            waiting[event_id].set()

    subscription = await producer.nats.nc.subscribe(
        producer.topology.subject("certificate.licence.issued"), cb=received
    )
    latencies = []
    try:
        for _ in range(samples):
            envelope = EventEnvelope.wrap(
                licence_issued(person(), catalog.id_card), source="/wuzheng/issuance"
            )
            waiting[envelope.id] = asyncio.Event()
            async with producer.database.transaction() as session:
                await producer.outbox.add(session, envelope)
            committed = time.perf_counter()
            await asyncio.wait_for(waiting[envelope.id].wait(), timeout=10)
            latencies.append((arrived[envelope.id] - committed) * 1000)
    finally:
        await subscription.unsubscribe()
    return latencies


async def run_bench(
    database_url: str,
    nats_url: str,
    n: int = 500,
    *,
    concurrency: int = 8,
    samples: int = 200,
    work_dir: Path | None = None,
) -> dict[str, Any]:
    """Measure on an empty ``database_url`` (migrated here) and the NATS at ``nats_url``."""
    with tempfile.TemporaryDirectory(prefix="rescode-bench-") as tmp:
        var_dir = work_dir or Path(tmp)
        ensure_dev_signing_key(var_dir)
        namespace = f"rcbench{secrets.token_hex(5)}"
        settings = RescodeSettings(
            environment="test",
            var_dir=var_dir,
            database_url=database_url,
            nats_url=nats_url,
            nats_namespace=namespace,
            resolve_rate_per_second=1e9,
            resolve_burst=10**9,
            resolve_failures_per_minute=1e9,
            resolve_failure_burst=10**9,
        )
        await migrate(settings.resolved_database_url, DEFINITION.migrations_package)
        producer = _Producer(
            f"sqlite+aiosqlite:///{Path(tmp) / 'producer.sqlite3'}", nats_url, namespace
        )
        app = create_service_app(DEFINITION, settings)
        runtime: ServiceRuntime = app.state.runtime
        try:
            async with _client(app) as client, _client(bare_app()) as bare:
                await producer.start()
                try:
                    return await _measure(
                        runtime, client, bare, producer, var_dir, n, concurrency, samples
                    )
                finally:
                    await producer.stop()
        finally:
            await _delete_streams(nats_url, namespace)


async def _delete_streams(nats_url: str, namespace: str) -> None:
    """Remove the run's streams once every part of it has stopped."""
    nats = NatsConnection(nats_url, client_name="bench-cleanup")
    await nats.start()
    try:
        with contextlib.suppress(Exception):
            await mesh_topology(namespace=namespace).delete(nats.js)
    finally:
        await nats.stop()


async def _measure(
    runtime: ServiceRuntime,
    client: httpx.AsyncClient,
    bare: httpx.AsyncClient,
    producer: _Producer,
    var_dir: Path,
    n: int,
    concurrency: int,
    samples: int,
) -> dict[str, Any]:
    catalog = SampleCatalog()
    await Publisher.of(runtime).publish(*catalog.events())
    await _wait_rows(runtime, sa.select(CatalogItemLicenceType), 3)

    backend = {
        "Authorization": "Bearer "
        + mint_token(
            var_dir,
            department="aishandong",
            scopes=["codes:issue", "consents:manage", "wallet:read"],
            operator=None,
        )
    }
    counter = {
        "Authorization": "Bearer "
        + mint_token(var_dir, department=catalog.police, scopes=["codes:resolve"], operator="op-1")
    }

    # Licence issued → visible in the wallet, one at a time (and the bare event path).
    await _wallet_latency(runtime, producer, catalog, 5)  # warm-up
    wallet_ms = await _wallet_latency(runtime, producer, catalog, samples)
    delivery_ms = await _delivery_latency(producer, catalog, samples)

    # Holders for the code figures: each with a licence and a window consent.
    holders: list[HolderCode] = people(n)
    await producer.commit(*(licence_issued(h, catalog.id_card) for h in holders))
    # The warm-up, the wallet samples and the delivery samples all reached the wallet too.
    await _wait_rows(runtime, sa.select(WalletLicence), 5 + 2 * samples + n)
    for holder in holders:
        response = await client.post(
            "/v1/consents",
            json={
                "holder": holder,
                "department": catalog.police,
                "item_seq_no": catalog.household_item,
                "licence_types": [catalog.id_card],
                "scope": "window",
                "valid_until": (utcnow() + timedelta(days=30)).isoformat(),
            },
            headers=backend,
        )
        response.raise_for_status()

    async def bare_post(index: int) -> httpx.Response:
        return await bare.post("/echo", json={"holder": holders[index]})

    codes: list[dict[str, Any]] = [{} for _ in range(n)]

    async def issue(index: int) -> httpx.Response:
        response = await client.post("/v1/codes", json={"holder": holders[index]}, headers=backend)
        codes[index] = response.json()
        return response

    async def resolve(index: int) -> httpx.Response:
        code = codes[index]
        shown = code["qr"]["payload"] if index % 2 else code["digits"]
        response = await client.post(
            "/v1/codes/resolve",
            json={"code": shown, "item_seq_no": catalog.household_item, "purpose": "bench"},
            headers=counter,
        )
        if response.status_code == 200 and not response.json()["licences"]:
            raise RuntimeError("a resolve returned no licence: the bench is not measuring it")
        return response

    await _throughput(min(50, n), concurrency, bare_post)  # warm-up
    bare_rate = await _throughput(n, concurrency, bare_post)
    issued_rate = await _throughput(n, concurrency, issue)
    resolved_rate = await _throughput(n, concurrency, resolve)
    bare_rate_after = await _throughput(n, concurrency, bare_post)
    baseline = (bare_rate + bare_rate_after) / 2
    wallet = _summary(wallet_ms)
    return {
        "n": n,
        "concurrency": concurrency,
        "database": runtime.database.engine.dialect.name,
        "bare_post_per_s": round(baseline, 1),
        "codes_issued_per_s": round(issued_rate, 1),
        "codes_issued_ratio": round(issued_rate / baseline, 3),
        "codes_resolved_per_s": round(resolved_rate, 1),
        "codes_resolved_ratio": round(resolved_rate / baseline, 3),
        "wallet_visible_ms": wallet,
        "wallet_samples": samples,
        "wallet_target_p99_ms": 100,
        "wallet_target_met": wallet["p99"] <= 100,
        "event_delivery_ms": _summary(delivery_ms),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("-n", type=int, default=500, help="codes to issue and resolve")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--samples", type=int, default=200, help="wallet latency samples")
    parser.add_argument(
        "--postgres-admin",
        help="PostgreSQL admin URL: measure on a scratch database (default: SQLite)",
    )
    parser.add_argument("--nats-url", help="default: a private nats-server")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(_main(args))
    print(json.dumps(result, indent=2, ensure_ascii=False))


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    from wuzheng.db.testing import create_scratch_database, drop_database  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="rescode-bench-") as tmp:
        server = None if args.nats_url else NatsServerProcess(store_dir=Path(tmp) / "nats")
        if server is not None:
            server.start()
        database_url = f"sqlite+aiosqlite:///{Path(tmp) / 'rescode.sqlite3'}"
        if args.postgres_admin:
            database_url = await create_scratch_database(args.postgres_admin, "wz_rcbench")
        try:
            return await run_bench(
                database_url,
                args.nats_url or (server.url if server else ""),
                args.n,
                concurrency=args.concurrency,
                samples=args.samples,
            )
        finally:
            if args.postgres_admin:
                await drop_database(args.postgres_admin, database_url)
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
