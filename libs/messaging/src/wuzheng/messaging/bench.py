"""Throughput and latency of the event path: commit → outbox → relay → JetStream → consumer.

    python -m wuzheng.messaging.bench [-n 2000] [--database-url URL] [--nats-url URL]

Without ``--nats-url`` a private nats-server is started; without ``--database-url`` a
temporary SQLite file is used. The run works in a namespace of its own (its stream is
deleted afterwards) and removes its rows from the database's messaging tables, creating
those tables if they are missing. It reports, for ``n`` events each committed in its own
transaction as fast as one writer can: commits/s, events/s end to end and the latency under
that load; then commit-to-applied latency p50/p99 with one event in flight at a time; and
as a baseline the raw JetStream publish rate (one awaited publish at a time, pipelined).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope, TraceContext, new_event_id
from wuzheng.db import Database, utcnow
from wuzheng.messaging._connection import NatsConnection
from wuzheng.messaging._consumer import EventConsumer
from wuzheng.messaging._outbox import Outbox
from wuzheng.messaging._relay import OutboxRelay
from wuzheng.messaging._tables import inbox_table, messaging_metadata, outbox_table
from wuzheng.messaging._topology import ConsumerSpec, StreamSpec, Topology, unique_namespace
from wuzheng.messaging.server import NatsServerProcess

__all__ = ["run_bench"]

EVENT_TYPE = "cn.wuzheng.bench.thing.happened.v1"


def _envelope(n: int) -> EventEnvelope:
    return EventEnvelope(
        id=new_event_id(),
        time=utcnow(),
        specversion="1.0",
        source="/wuzheng/bench",
        type=EVENT_TYPE,
        subject=f"thing-{n}",
        data={"n": n, "note": "电子证照 benchmark payload"},
        traceparent=TraceContext.new().traceparent,
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _summary(latencies: list[float]) -> dict[str, float]:
    return {
        "p50": round(_percentile(latencies, 0.50), 2),
        "p99": round(_percentile(latencies, 0.99), 2),
        "max": round(max(latencies), 2),
        "mean": round(statistics.fmean(latencies), 2),
    }


async def _raw_publish(nats: NatsConnection, subject: str, n: int) -> tuple[float, float]:
    payload = _envelope(0).to_bytes()
    started = time.perf_counter()
    for i in range(n):
        await nats.js.publish(subject, payload, headers={"Nats-Msg-Id": f"raw-{i}"})
    sequential = n / (time.perf_counter() - started)
    started = time.perf_counter()
    futures = [
        await nats.js.publish_async(subject, payload, headers={"Nats-Msg-Id": f"raw-async-{i}"})
        for i in range(n)
    ]
    await asyncio.gather(*futures)
    pipelined = n / (time.perf_counter() - started)
    return sequential, pipelined


class _Run:
    """One benchmark run: a namespace, a relay and a consumer on one database."""

    def __init__(self, database_url: str, nats_url: str, n: int) -> None:
        self.n = n
        stream = StreamSpec("BENCH", ("bench.>",), max_age=3600, duplicate_window=120)
        self.spec = ConsumerSpec("BENCH", "bench", ("bench.thing.>",), backoff=(0.1,))
        self.topology = Topology(
            streams=(stream,), consumers=(self.spec,), namespace=unique_namespace("bench")
        )
        self.database = Database(database_url)
        self.nats = NatsConnection(nats_url, client_name="wuzheng-bench", topology=self.topology)
        self.relay = OutboxRelay(self.database, self.nats)
        self.consumer = EventConsumer(
            self.database, self.nats, self.spec, topology=self.topology, batch=100
        )
        self.consumer.on("bench.thing.happened", self._applied)
        self.outbox = Outbox(self.topology)
        self.ids: list[str] = []
        self.committed_at: dict[str, float] = {}
        self.applied_at: dict[str, float] = {}
        self.waiting: dict[str, asyncio.Event] = {}

    async def _applied(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        self.applied_at[envelope.id] = time.perf_counter()
        if envelope.id in self.waiting:
            self.waiting[envelope.id].set()

    async def _commit(self, envelope: EventEnvelope) -> str:
        self.ids.append(envelope.id)
        async with self.database.transaction() as session:
            await self.outbox.add(session, envelope)
        self.committed_at[envelope.id] = time.perf_counter()
        return envelope.id

    async def start(self) -> None:
        async with self.database.engine.begin() as connection:
            await connection.run_sync(messaging_metadata.create_all)
        await self.nats.start()

    async def burst(self) -> tuple[float, float, list[float]]:
        """Commit ``n`` events as fast as one writer can; wait until all are applied."""
        started = time.perf_counter()
        burst = [await self._commit(_envelope(i)) for i in range(self.n)]
        commit_seconds = time.perf_counter() - started
        deadline = time.perf_counter() + max(30.0, self.n / 20)
        while len(self.applied_at) < self.n:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{len(self.applied_at)} of {self.n} events applied")
            await asyncio.sleep(0.005)
        total_seconds = max(self.applied_at.values()) - started
        latencies = [(self.applied_at[i] - self.committed_at[i]) * 1000 for i in burst]
        return commit_seconds, total_seconds, latencies

    async def one_at_a_time(self, count: int) -> list[float]:
        """The latency of the path itself, with no queue in front of the event."""
        latencies = []
        for i in range(count):
            envelope = _envelope(i)
            event_id = envelope.id
            self.waiting[event_id] = asyncio.Event()
            await self._commit(envelope)
            await asyncio.wait_for(self.waiting[event_id].wait(), timeout=10)
            latencies.append((self.applied_at[event_id] - self.committed_at[event_id]) * 1000)
        return latencies

    async def close(self) -> None:
        await self.consumer.stop()
        await self.relay.stop()
        with contextlib.suppress(Exception):
            await self.topology.delete(self.nats.js)
        await self.nats.stop()
        async with self.database.transaction() as session:
            if self.ids:
                table = outbox_table
                await session.execute(sa.delete(table).where(table.c.id.in_(self.ids)))
            await session.execute(
                sa.delete(inbox_table).where(inbox_table.c.consumer == self.spec.durable)
            )
        await self.database.stop()


async def run_bench(database_url: str, nats_url: str, n: int = 1000) -> dict[str, Any]:
    """Push ``n`` events through the whole path and return the measurements."""
    run = _Run(database_url, nats_url, n)
    await run.start()
    try:
        raw_subject = run.topology.subject("bench.raw")
        raw_sequential, raw_pipelined = await _raw_publish(run.nats, raw_subject, n)
        await run.relay.start()
        await run.consumer.start()
        commit_seconds, total_seconds, loaded = await run.burst()
        await asyncio.sleep(0.2)
        idle = await run.one_at_a_time(min(n, 100))
        return {
            "n": n,
            "database": run.database.engine.dialect.name,
            "commits_per_s": round(n / commit_seconds, 1),
            "events_per_s": round(n / total_seconds, 1),
            "latency_ms": _summary(idle),
            "latency_under_load_ms": _summary(loaded),
            "raw_publish_per_s": round(raw_sequential, 1),
            "raw_publish_pipelined_per_s": round(raw_pipelined, 1),
            "relay_batches": run.relay.stats.batches,
        }
    finally:
        await run.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=2000, help="events to push (default 2000)")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--nats-url", help="default: a private nats-server")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="wuzheng-bench-") as tmp:
        database_url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        server = None if args.nats_url else NatsServerProcess(store_dir=Path(tmp) / "nats")
        if server is not None:
            server.start()
        try:
            nats_url = args.nats_url or (server.url if server else "")
            result = asyncio.run(run_bench(database_url, nats_url, args.n))
        finally:
            if server is not None:
                server.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
