"""The dispute service's benchmarks, end to end over real processes and real NATS.

    python -m wuzheng.dispute.bench [-n 300] [--concurrency 8] [--report-rows 100000]
                                    [--postgres-admin-url URL] [--nats-url URL]

1. **Correction loop.** The catalog (seeding the plan's data), issuance and dispute services
   run as processes (``python -m wuzheng.<svc> serve``), each on its own database, in a NATS
   namespace of their own. ``n`` ID cards are issued through issuance; each is verified by
   two departments (``verification.request.completed`` published by the bench, standing in
   for the verification service). Then, ``concurrency`` at a time, each dispute is filed,
   accepted, processed and resolved with a correction over HTTP; issuance amends the
   licence (``certificate.licence.amended``) and the dispute service records it and
   propagates it. Figure: disputes per second from the first filing to the last
   ``dispute.correction.propagated``, and per-dispute latencies. Baselines in the same run:
   ``GET /healthz`` and ``POST /v1/disputes`` alone against the same process.
2. **Reports.** ``report_rows`` synthetic disputes are bulk-inserted into the dispute
   database; the department report and the processing report (30 and 366 days, JSON and
   HTML) are timed over HTTP. Baselines: ``SELECT count(*)`` and a ``GROUP BY`` department
   count on the same table, from the bench process.

Without ``--postgres-admin-url`` every service uses a SQLite file in a temporary folder;
with it, scratch PostgreSQL databases are created and dropped. Without ``--nats-url`` a
private nats-server is started. Everything the bench starts is stopped by PID.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import nats
import sqlalchemy as sa

from wuzheng.auth import ensure_dev_signing_key, mint_token
from wuzheng.contracts import EventEnvelope, new_event_id
from wuzheng.db import Database
from wuzheng.db.testing import create_scratch_database, drop_database
from wuzheng.dispute.models import CatalogDepartment, Dispute, KnownLicence, LicenceVerification
from wuzheng.dispute.sla.calendar import WorkCalendar
from wuzheng.dispute.sla.holidays import DEFAULT_HOLIDAYS, DEFAULT_MAKEUP_WORKDAYS
from wuzheng.dispute.testing import ID_CARD, PUBLIC_SECURITY, resident, source_of, verified
from wuzheng.messaging.server import NatsServerProcess
from wuzheng.messaging.testing import delete_namespace_streams, wait_until

__all__ = ["run_bench"]

logger = logging.getLogger("wuzheng.dispute.bench")

SERVICES = ("catalog", "issuance", "dispute")
VERIFIERS = ("taxation", "housing-fund")
ID_CARD_FIELDS = {
    "holder_name": "李四",
    "jurisdiction_code": "370784",
    "gender": "1",
    "ethnicity": "汉",
    "birth_date": "1990-01-01",
    "address": "山东省安丘市新安街道2号",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _summary(values_ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values_ms)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))], 1)

    return {"p50": at(0.5), "p99": at(0.99), "max": round(ordered[-1], 1)}


class _Mesh:
    """The three services as child processes of the bench (stopped by PID)."""

    def __init__(
        self, work: Path, nats_url: str, namespace: str, databases: dict[str, str]
    ) -> None:
        self.work = work
        self.nats_url = nats_url
        self.namespace = namespace
        self.databases = databases
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: list[Any] = []
        self.urls: dict[str, str] = {}

    def env(self, name: str, port: int) -> dict[str, str]:
        prefix = f"{name.upper()}_"
        env = {key: value for key, value in os.environ.items() if not key.startswith(prefix)}
        env.update(
            {
                "WUZHENG_ENV": "test",
                "WUZHENG_VAR_DIR": str(self.work),
                "WUZHENG_LOG_LEVEL": "WARNING",
                "NATS_URL": self.nats_url,
                "WUZHENG_NATS_NAMESPACE": self.namespace,
                f"{prefix}DATABASE_URL": self.databases[name],
                f"{prefix}HOST": "127.0.0.1",
                f"{prefix}PORT": str(port),
                "DISPUTE_OVERDUE_CHECK_SECONDS": "3600",
            }
        )
        return env

    async def start(self, name: str) -> str:
        port = _free_port()
        env = self.env(name, port)
        module = f"wuzheng.{name}"
        await asyncio.to_thread(
            subprocess.run,  # our own module, fixed arguments
            [sys.executable, "-m", module, "migrate"],
            env=env,
            check=True,
            capture_output=True,
        )
        log = (self.work / f"{name}.log").open("wb")
        self.logs.append(log)
        self.processes[name] = subprocess.Popen(  # noqa: ASYNC220, S603 - our own module
            [sys.executable, "-m", module, "serve"], env=env, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        self.urls[name] = url

        async def ready() -> bool:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.work / f'{name}.log'}")
            try:
                async with httpx.AsyncClient(timeout=2) as client:
                    return (await client.get(f"{url}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_until(ready, timeout=60, interval=0.2, message=f"{name} ready")
        return url

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for log in self.logs:
            log.close()


class _Bench:
    def __init__(
        self, mesh: _Mesh, dispute_db: Database, n: int, concurrency: int, report_rows: int
    ) -> None:
        self.mesh = mesh
        self.db = dispute_db
        self.n = n
        self.concurrency = concurrency
        self.report_rows = report_rows
        self.work = mesh.work
        self.client = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64))

    def headers(
        self, department: str, *scopes: str, operator: str | None = "bench"
    ) -> dict[str, str]:
        token = mint_token(self.work, department=department, scopes=scopes, operator=operator)
        return {"Authorization": f"Bearer {token}"}

    async def count(self, table: Any, *where: Any) -> int:
        async with self.db.sessionmaker() as session:
            value = await session.scalar(
                sa.select(sa.func.count()).select_from(table).where(*where)
            )
        return int(value or 0)

    async def concurrently(self, count: int, work: Callable[[int], Awaitable[None]]) -> float:
        """Run ``work(i)`` for i < count, ``concurrency`` at a time; the seconds it took."""
        queue = iter(range(count))

        async def worker() -> None:
            for index in queue:
                await work(index)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        return time.perf_counter() - started

    # -- setup --------------------------------------------------------------------------

    async def issue(self) -> list[str]:
        issuance = self.mesh.urls["issuance"]
        headers = self.headers(PUBLIC_SECURITY, "licences:issue")
        ids: list[str] = []
        for first in range(0, self.n, 500):
            items = [
                {
                    "type_code": ID_CARD,
                    "holder": str(resident(i)),
                    "fields": ID_CARD_FIELDS,
                    "valid_from": "2020-01-01",
                    "idempotency_key": f"bench-{i}",
                }
                for i in range(first, min(self.n, first + 500))
            ]
            report: dict[str, Any] = {}

            async def issued(items: list[dict[str, Any]] = items) -> bool:
                nonlocal report
                response = await self.client.post(
                    f"{issuance}/v1/licences:batch", json={"items": items}, headers=headers
                )
                report = response.json()
                return response.status_code == 200 and report["failed"] == 0

            await wait_until(issued, timeout=90, interval=0.5, message="licences issued")
            ids += [item["licence_id"] for item in report["items"]]
        return ids

    async def publish_verifications(self, licence_ids: Sequence[str]) -> None:
        nc = await nats.connect(self.mesh.nats_url)
        try:
            js = nc.jetstream()
            subject = f"{self.mesh.namespace}.verification.request.completed"
            for index, licence_id in enumerate(licence_ids):
                for department in VERIFIERS:
                    payload = verified(licence_id, department, resident(index))
                    envelope = EventEnvelope.wrap(payload, source=source_of(payload))
                    await js.publish(subject, envelope.to_bytes(), headers=envelope.nats_headers())
        finally:
            await nc.close()

    # -- 1. the correction loop ---------------------------------------------------------

    async def loop(self) -> dict[str, Any]:
        dispute = self.mesh.urls["dispute"]
        licence_ids = await self.issue()
        await self.publish_verifications(licence_ids)

        async def fed() -> bool:
            return (
                await self.count(KnownLicence.__table__) >= self.n
                and await self.count(LicenceVerification.__table__) >= 2 * self.n
            )

        await wait_until(fed, timeout=120, interval=0.2, message="dispute read models fed")

        async def healthz(_: int) -> None:
            response = await self.client.get(f"{dispute}/healthz")
            response.raise_for_status()

        healthz_seconds = await self.concurrently(self.n, healthz)

        filer = self.headers("aishandong", "disputes:file", operator=None)
        staff = self.headers(PUBLIC_SECURITY, "disputes:handle")

        def body(index: int, field: str) -> dict[str, Any]:
            return {
                "target": {"kind": "licence", "licence_id": licence_ids[index], "field": field},
                "claimed_value": "山东省安丘市兴安街道和平路1号",
                "holder": str(resident(index)),
                "filed_as": "holder",
                "channel": "app",
            }

        async def file_only(index: int) -> None:
            response = await self.client.post(
                f"{dispute}/v1/disputes", json=body(index, "holder_name"), headers=filer
            )
            assert response.status_code == 201, response.text

        file_seconds = await self.concurrently(self.n, file_only)

        async def one_dispute(index: int) -> None:
            response = await self.client.post(
                f"{dispute}/v1/disputes", json=body(index, "address"), headers=filer
            )
            assert response.status_code == 201, response.text
            dispute_id = response.json()["id"]
            for step, payload in (
                ("accept", {}),
                ("process", {}),
                ("resolve", {"note": "核实更正", "corrections": {"address": f"新住址{index}"}}),
            ):
                response = await self.client.post(
                    f"{dispute}/v1/disputes/{dispute_id}/{step}", json=payload, headers=staff
                )
                assert response.status_code == 200, response.text

        started = time.perf_counter()
        handled_seconds = await self.concurrently(self.n, one_dispute)

        async def propagated() -> bool:
            return (
                await self.count(Dispute.__table__, Dispute.correction_status == "propagated")
                >= self.n
            )

        await wait_until(propagated, timeout=300, interval=0.05, message="all propagated")
        total_seconds = time.perf_counter() - started
        async with self.db.sessionmaker() as session:
            rows = (
                await session.execute(
                    sa.select(Dispute.filed_at, Dispute.closed_at, Dispute.propagated_at).where(
                        Dispute.correction_status == "propagated"
                    )
                )
            ).all()
        told = await self.count(Dispute.__table__, Dispute.correction_status == "propagated")
        return {
            "disputes": self.n,
            "concurrency": self.concurrency,
            "issuance": "real service process (python -m wuzheng.issuance serve)",
            "disputes_per_s": round(self.n / total_seconds, 1),
            "seconds": round(total_seconds, 2),
            "http_steps_per_s": round(4 * self.n / handled_seconds, 1),
            "filed_to_propagated_ms": _summary(
                [(r.propagated_at - r.filed_at).total_seconds() * 1000 for r in rows]
            ),
            "resolved_to_propagated_ms": _summary(
                [(r.propagated_at - r.closed_at).total_seconds() * 1000 for r in rows]
            ),
            "propagated": told,
            "baseline_healthz_per_s": round(self.n / healthz_seconds, 1),
            "baseline_file_only_per_s": round(self.n / file_seconds, 1),
        }

    # -- 2. reports ---------------------------------------------------------------------

    async def synthetic_rows(self) -> float:
        async with self.db.sessionmaker() as session:
            departments = list(await session.scalars(sa.select(CatalogDepartment.code)))
        departments = departments[:40] or [f"dept-{i:02d}" for i in range(40)]
        rng = random.Random(20251127)  # noqa: S311 - synthetic data, not security
        calendar = WorkCalendar.of(DEFAULT_HOLIDAYS, DEFAULT_MAKEUP_WORKDAYS)
        now = dt.datetime.now(dt.UTC)
        states = ["resolved", "rejected", "withdrawn", "processing", "accepted", "submitted"]
        weights = [45, 20, 5, 10, 8, 12]
        fields = ["address", "holder_name", "birth_date", "ethnicity", "valid_until", "gender"]
        started = time.perf_counter()
        chunk: list[dict[str, Any]] = []
        for index in range(self.report_rows):
            filed = now - dt.timedelta(seconds=rng.uniform(0, 180 * 86400))
            state = rng.choices(states, weights)[0]
            kind = rng.choices(["licence", "item", "licence_type"], [80, 15, 5])[0]
            department = departments[min(len(departments) - 1, int(rng.paretovariate(1.2)) - 1)]
            accept_due = calendar.add_working_days(filed, 1)
            resolve_due = calendar.add_working_days(filed, 5)
            row: dict[str, Any] = {
                "id": new_event_id(),
                "kind": kind,
                "state": state,
                "department": department,
                "target_ref": f"item:{rng.randint(1, 664)}" if kind == "item" else f"bench-{index}",
                "licence_id": None,
                "issuer_code": None,
                "licence_type_code": ID_CARD if kind != "item" else None,
                "item_seq_no": None,
                "field": rng.choice(fields),
                "claimed_value": "synthetic",
                "description": None,
                "evidence": [],
                "holder_digest": None,
                "holder_masked": None,
                "filed_as": "holder",
                "channel": rng.choices(["app", "hall", "website", "hotline"], [55, 25, 10, 10])[0],
                "filed_by_department": "aishandong",
                "filed_by_operator": None,
                "filed_at": filed,
                "filed_day": calendar.local_day(filed),
                "accept_due_at": accept_due,
                "resolve_due_at": resolve_due,
                "assignee": None,
                "accepted_at": None,
                "processing_at": None,
                "closed_at": None,
                "closed_day": None,
                "accept_seconds": None,
                "accept_working_seconds": None,
                "decide_seconds": None,
                "decide_working_seconds": None,
                "accepted_on_time": None,
                "decided_on_time": None,
                "accept_escalated_at": None,
                "resolve_escalated_at": None,
                "resolution_note": None,
                "corrections": None,
                "correction_status": None,
                "new_licence_id": None,
                "amended_at": None,
                "propagated_at": None,
            }
            accepted = filed + dt.timedelta(hours=rng.expovariate(1 / 14))
            if state != "submitted" and not (state == "withdrawn" and rng.random() < 0.5):
                row["accepted_at"] = accepted = min(accepted, now)
                row["accept_seconds"] = (accepted - filed).total_seconds()
                row["accept_working_seconds"] = calendar.working_time_between(
                    filed, accepted
                ).total_seconds()
                row["accepted_on_time"] = accepted <= accept_due
            if state in ("resolved", "rejected", "withdrawn"):
                closed = min(now, filed + dt.timedelta(hours=rng.expovariate(1 / 70)))
                row["closed_at"], row["closed_day"] = closed, calendar.local_day(closed)
                if state != "withdrawn":
                    row["decide_seconds"] = (closed - filed).total_seconds()
                    row["decide_working_seconds"] = calendar.working_time_between(
                        filed, closed
                    ).total_seconds()
                    row["decided_on_time"] = closed <= resolve_due
                if state == "resolved":
                    row["corrections"] = {row["field"]: "corrected"}
                    row["correction_status"] = "propagated" if kind == "licence" else None
            chunk.append(row)
            if len(chunk) == 2000:
                await self._insert(chunk)
                chunk = []
        if chunk:
            await self._insert(chunk)
        return time.perf_counter() - started

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        async with self.db.transaction() as session:
            await session.execute(sa.insert(Dispute), rows)

    async def timed(self, url: str, headers: dict[str, str], repeat: int = 3) -> float:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            response = await self.client.get(url, headers=headers)
            response.raise_for_status()
            best = min(best, time.perf_counter() - started)
        return round(best * 1000, 1)

    async def timed_sql(self, statement: Any, repeat: int = 3) -> float:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            async with self.db.sessionmaker() as session:
                (await session.execute(statement)).all()
            best = min(best, time.perf_counter() - started)
        return round(best * 1000, 1)

    async def reports(self) -> dict[str, Any]:
        insert_seconds = await self.synthetic_rows()
        dispute = self.mesh.urls["dispute"]
        reader = self.headers("big-data-bureau", "reports:read")
        rows = await self.count(Dispute.__table__)
        today = dt.datetime.now(dt.UTC).date()
        year = f"from={today - dt.timedelta(days=365)}&to={today}"
        html_response = await self.client.get(
            f"{dispute}/v1/reports/processing?format=html&{year}", headers=reader
        )
        (self.work / "report.html").write_bytes(html_response.content)
        return {
            "rows": rows,
            "insert_rows_per_s": round(self.report_rows / insert_seconds, 1),
            "departments_ms": await self.timed(f"{dispute}/v1/reports/departments", reader),
            "processing_30d_ms": await self.timed(f"{dispute}/v1/reports/processing", reader),
            "processing_366d_ms": await self.timed(
                f"{dispute}/v1/reports/processing?{year}", reader
            ),
            "processing_366d_html_ms": await self.timed(
                f"{dispute}/v1/reports/processing?format=html&{year}", reader
            ),
            "html_bytes": len(html_response.content),
            "baseline_count_ms": await self.timed_sql(
                sa.select(sa.func.count()).select_from(Dispute.__table__)
            ),
            "baseline_group_by_ms": await self.timed_sql(
                sa.select(Dispute.department, sa.func.count()).group_by(Dispute.department)
            ),
        }


async def run_bench(
    databases: dict[str, str],
    nats_url: str,
    n: int = 300,
    *,
    concurrency: int = 8,
    report_rows: int = 100_000,
    work_dir: Path | None = None,
) -> dict[str, Any]:
    """Run both benchmarks. ``databases`` maps catalog, issuance and dispute to empty
    databases (URLs); the figures come back as a dict (see the module docstring)."""
    if n > 1000:
        raise ValueError("at most 1000 disputes (one holder each)")
    missing = [name for name in SERVICES if name not in databases]
    if missing:
        raise ValueError(f"no database for {', '.join(missing)}")
    with contextlib.ExitStack() as stack:
        work = work_dir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="wz-dbench-"))
        )
        ensure_dev_signing_key(work)
        namespace = f"dbench{new_event_id()[-10:].replace('-', '')}"
        mesh = _Mesh(work, nats_url, namespace, databases)
        dispute_db = Database(databases["dispute"])
        bench = _Bench(mesh, dispute_db, n, concurrency, report_rows)
        try:
            for name in SERVICES:
                await mesh.start(name)
            loop = await bench.loop()
            reports = await bench.reports()
        finally:
            mesh.stop()
            await bench.client.aclose()
            await dispute_db.stop()
            with contextlib.suppress(Exception):
                await delete_namespace_streams(nats_url, namespace)
        return {
            "database": dispute_db.engine.dialect.name,
            "correction_loop": loop,
            "report": reports,
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("-n", type=int, default=300, help="disputes through the loop (≤1000)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--report-rows", type=int, default=100_000)
    parser.add_argument("--postgres-admin-url", help="default: SQLite files in a temp folder")
    parser.add_argument("--nats-url", help="default: a private nats-server")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    async def go(tmp: Path, nats_url: str) -> dict[str, Any]:
        admin = args.postgres_admin_url
        if admin:
            databases = {
                name: await create_scratch_database(admin, prefix=f"wz_bench_{name}")
                for name in SERVICES
            }
        else:
            databases = {
                name: f"sqlite+aiosqlite:///{tmp / f'{name}.sqlite3'}" for name in SERVICES
            }
        try:
            return await run_bench(
                databases,
                nats_url,
                args.n,
                concurrency=args.concurrency,
                report_rows=args.report_rows,
                work_dir=tmp / "var",
            )
        finally:
            if admin:
                for url in databases.values():
                    await drop_database(admin, url)

    with tempfile.TemporaryDirectory(prefix="wuzheng-dispute-bench-") as tmp:
        server = None if args.nats_url else NatsServerProcess(store_dir=Path(tmp) / "nats")
        if server is not None:
            server.start()
        try:
            result = asyncio.run(go(Path(tmp), args.nats_url or (server.url if server else "")))
        finally:
            if server is not None:
                server.stop()
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
