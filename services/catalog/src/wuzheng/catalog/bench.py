"""Latency of the catalogue's search and filters: the plan's 664 items, then a synthetic
province-scale catalogue, against a bare FastAPI GET measured in the same run.

    python -m wuzheng.catalog.bench [-n 300] [--items 100000] [--database-url URL] [--json]

How it measures: every request goes through ``httpx.AsyncClient`` over
``httpx.ASGITransport`` to an app in the same process and event loop (no sockets, no
uvicorn), one request at a time after a warm-up, timing each with ``perf_counter``. The
baseline is measured the same way: a bare ``FastAPI()`` app with one ``GET`` returning a
small JSON object, and the catalog app's own ``/healthz`` (the kit's middleware without a
query). The catalog app is the real one (routers, middleware, problem handling, database)
without NATS, which reads do not touch.

The database is a temporary SQLite file, or ``--database-url`` (an empty database, e.g. a
scratch PostgreSQL one: the bench migrates it, imports the plan's data, measures, then adds
synthetic items and measures again; the rows stay). The synthetic catalogue repeats the plan's
items under made-up district suffixes (so ``q=护照`` still finds a few hundred), spread over
the plan's departments and levels, with e-licence and commitment materials on a share of
them and a second batch listing half of them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from wuzheng.catalog import data
from wuzheng.catalog.app import DEFINITION
from wuzheng.catalog.importer import catalog_is_empty, import_catalog
from wuzheng.catalog.models import ExemptionList, ExemptionListItem, Item, Material
from wuzheng.catalog.settings import CatalogSettings
from wuzheng.db import Database, migrate, utcnow
from wuzheng.messaging import Outbox
from wuzheng.web import create_app

__all__ = ["QUERIES", "run_bench"]

QUERIES: dict[str, str] = {
    "search 护照": "/v1/items?q=护照",
    "search 残疾": "/v1/items?q=残疾",
    "search, no match": "/v1/items?q=不存在的事项",
    "search, two terms": "/v1/items?q=残疾人证 换领",
    "filter department": "/v1/items?department=public-security",
    "filter level": "/v1/items?level=市级",
    "filter mode": "/v1/items?mode=e_licence",
    "filter batch": "/v1/items?batch=1",
    "filters + search": "/v1/items?department=public-security&level=县级&q=登记",
    "deep page": "/v1/items?level=县级&offset=500&limit=50",
    "one item": "/v1/items/41",
}
"""What is measured: name → path (each a page of at most 50 items with its total)."""

DISTRICTS = (
    "安丘", "诸城", "青州", "寿光", "高密", "昌邑", "临朐", "昌乐", "奎文", "潍城",
    "寒亭", "坊子", "历下", "市中", "槐荫", "天桥", "历城", "长清", "章丘", "济阳",
)  # fmt: skip
CHUNK = 5_000


def _stats(latencies: Sequence[float]) -> dict[str, float]:
    ordered = sorted(latencies)

    def pick(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    return {
        "p50_ms": round(pick(0.50) * 1000, 3),
        "p99_ms": round(pick(0.99) * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "requests_per_s": round(len(ordered) / sum(ordered), 1),
    }


async def _measure(
    client: httpx.AsyncClient, path: str, requests: int, warmup: int
) -> tuple[dict[str, float], httpx.Response]:
    response = await client.get(path)
    response.raise_for_status()
    for _ in range(warmup):
        await client.get(path)
    latencies: list[float] = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = await client.get(path)
        latencies.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
    return _stats(latencies), response


def _bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/bare")
    async def bare() -> dict[str, bool]:
        return {"ok": True}

    return app


def _catalog_app(settings: CatalogSettings, database: Database) -> FastAPI:
    app = create_app(
        settings,
        title="catalog (bench)",
        version=DEFINITION.version,
        routers=DEFINITION.routers,
        resources=[database],
    )
    app.state.database = database
    return app


@contextlib.asynccontextmanager
async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield client


async def _synthesise(database: Database, total_items: int) -> int:
    """Add synthetic items (and materials, and batch 2) up to ``total_items``; returns how
    many were added."""
    base = data.load_items()
    types = [t.code for t in data.load_licence_types()]
    rng = random.Random(36904)  # noqa: S311 - reproducible test data, not security
    start = max(i.seq_no for i in base) + 1
    numbers = range(start, start + max(0, total_items - len(base)))
    now = utcnow()
    async with database.transaction() as session:
        rows: list[dict[str, Any]] = []
        materials: list[dict[str, Any]] = []
        for seq_no in numbers:
            model = base[rng.randrange(len(base))]
            levels = rng.random()
            rows.append(
                {
                    "seq_no": seq_no,
                    "department_code": model.department,
                    "department_text": model.department_text,
                    "name": f"{model.name}（{DISTRICTS[seq_no % len(DISTRICTS)]}{seq_no}）",
                    "at_city_level": levels < 0.2,
                    "at_county_level": levels >= 0.05,
                    "updated_at": now,
                }
            )
            if seq_no % 5 == 0:
                materials.append(
                    {
                        "item_seq_no": seq_no,
                        "position": 1,
                        "name": "电子证照",
                        "mode": "e_licence",
                        "licence_type_code": types[seq_no % len(types)],
                        "legal_basis": "synthetic",
                        "form_fields": [],
                        "origin": "operator",
                    }
                )
            if seq_no % 13 == 0:
                materials.append(
                    {
                        "item_seq_no": seq_no,
                        "position": 2,
                        "name": "承诺书",
                        "mode": "commitment",
                        "commitment_text": "本人承诺所填信息真实有效。",
                        "legal_basis": "synthetic",
                        "form_fields": [],
                        "origin": "operator",
                    }
                )
        for offset in range(0, len(rows), CHUNK):
            await session.execute(sa.insert(Item), rows[offset : offset + CHUNK])
        for offset in range(0, len(materials), CHUNK):
            await session.execute(sa.insert(Material), materials[offset : offset + CHUNK])
        listed = [i.seq_no for i in base] + [n for n in numbers if n % 2 == 0]
        session.add(
            ExemptionList(
                batch=2,
                date=dt.date(2023, 6, 30),
                title="synthetic second batch",
                item_count=len(listed),
                published_at=now,
            )
        )
        await session.flush()
        links = [{"batch": 2, "item_seq_no": n} for n in listed]
        for offset in range(0, len(links), CHUNK):
            await session.execute(sa.insert(ExemptionListItem), links[offset : offset + CHUNK])
    async with database.engine.begin() as connection:
        await connection.execute(sa.text("ANALYZE"))  # fresh planner statistics
    return len(rows)


async def _run_queries(
    client: httpx.AsyncClient, requests: int, warmup: int
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name, path in QUERIES.items():
        stats, response = await _measure(client, path, requests, warmup)
        body = response.json()
        results[name] = {"path": path, "matches": body.get("total", 1), **stats}
    return results


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }


async def run_bench(
    *,
    requests: int = 300,
    synthetic_items: int = 100_000,
    database_url: str | None = None,
    warmup: int | None = None,
) -> dict[str, Any]:
    """Measure and return the results (see the module docstring).

    ``requests`` per query and per baseline; ``synthetic_items`` is the size of the second
    catalogue (the plan's items included); ``database_url`` must name an empty database.
    """
    warmup = max(1, requests // 10) if warmup is None else warmup
    with tempfile.TemporaryDirectory(prefix="wuzheng-catalog-bench-") as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'catalog.sqlite3'}"
        settings = CatalogSettings(
            environment="test", var_dir=Path(tmp) / "var", database_url=url, log_level="WARNING"
        )
        await migrate(url, DEFINITION.migrations_package)
        database = Database(url)
        try:
            async with database.transaction() as session:
                if not await catalog_is_empty(session):
                    raise RuntimeError(f"{url} already holds a catalogue: give an empty database")
                await import_catalog(session, Outbox(), demo=True)
            async with _client(_bare_app()) as bare:
                bare_stats, _ = await _measure(bare, "/bare", requests, warmup)
            app = _catalog_app(settings, database)
            async with _client(app) as client:
                healthz, _ = await _measure(client, "/healthz", requests, warmup)
                plan = await _run_queries(client, requests, warmup)
                started = time.perf_counter()
                added = await _synthesise(database, synthetic_items)
                load_seconds = time.perf_counter() - started
                synthetic = await _run_queries(client, requests, warmup)
        finally:
            await database.stop()
    return {
        "machine": _machine(),
        "database": "sqlite" if url.startswith("sqlite") else "postgresql",
        "transport": "in-process httpx.ASGITransport, one request at a time",
        "requests_per_query": requests,
        "baseline": {"bare FastAPI GET": bare_stats, "catalog /healthz": healthz},
        "catalogues": {
            "plan": {"items": len(data.load_items()), "queries": plan},
            "synthetic": {
                "items": len(data.load_items()) + added,
                "load_seconds": round(load_seconds, 2),
                "queries": synthetic,
            },
        },
    }


def render_table(result: dict[str, Any]) -> str:
    """The results as a Markdown table (p50 / p99 in ms, and p50 relative to the bare GET)."""
    bare = result["baseline"]["bare FastAPI GET"]
    plan = result["catalogues"]["plan"]
    synthetic = result["catalogues"]["synthetic"]
    lines = [
        f"{result['database']}, {result['transport']}, {result['requests_per_query']} requests "
        f"each; {result['machine']['cpus']} CPUs, Python {result['machine']['python']}",
        "",
        f"| query | {plan['items']:,} items p50 / p99 ms | {synthetic['items']:,} items "
        "p50 / p99 ms | matches (synthetic) |",
        "|---|---|---|---|",
    ]
    for name, stats in result["baseline"].items():
        lines.append(f"| {name} | {stats['p50_ms']} / {stats['p99_ms']} | | |")
    for name, stats in plan["queries"].items():
        big = synthetic["queries"][name]
        lines.append(
            f"| {name} | {stats['p50_ms']} / {stats['p99_ms']} | {big['p50_ms']} / "
            f"{big['p99_ms']} ({big['p50_ms'] / bare['p50_ms']:.0f}× bare) | {big['matches']:,} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("-n", type=int, default=300, help="requests per query (default 300)")
    parser.add_argument(
        "--items", type=int, default=100_000, help="size of the synthetic catalogue"
    )
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    result = asyncio.run(
        run_bench(requests=args.n, synthetic_items=args.items, database_url=args.database_url)
    )
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else render_table(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
