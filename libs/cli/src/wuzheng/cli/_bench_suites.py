"""The benchmark suites ``make bench`` runs: each turns one module's measurements into
figures placed beside a baseline from the same run.

A suite imports its module only when it runs, so this package depends on no service.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    benchmark: str
    name: str
    value: float
    unit: str
    database: str | None = None
    baseline: str | None = None
    baseline_value: float | None = None

    @property
    def ratio(self) -> float | None:
        """value ÷ baseline: a share of the baseline's rate, or a multiple of its latency."""
        if not self.baseline_value:
            return None
        return round(self.value / self.baseline_value, 3)


@dataclass(frozen=True)
class BenchContext:
    nats_url: str
    databases: tuple[str, ...]
    create_database: Callable[[str, str], Awaitable[str]]
    baselines: dict[str, float]
    scale: float
    workdir: Path

    def n(self, full: int) -> int:
        return max(10, int(full * self.scale))


SuiteRun = Callable[[BenchContext], Awaitable[list[Figure]]]
Measure = Callable[[Any, BenchContext, str], Awaitable[list[Figure]]]


@dataclass(frozen=True)
class Suite:
    name: str
    run: SuiteRun


def per_database(module: str, measure: Measure) -> SuiteRun:
    """A suite that imports ``module`` when it runs and measures once per database kind."""

    async def run(context: BenchContext) -> list[Figure]:
        bench = importlib.import_module(module)
        figures: list[Figure] = []
        for kind in context.databases:
            figures += await measure(bench, context, kind)
        return figures

    return run


async def _messaging(bench: Any, context: BenchContext, kind: str) -> list[Figure]:
    figures: list[Figure] = []
    url = await context.create_database("messaging", kind)
    result = await bench.run_bench(url, context.nats_url, context.n(2000))
    raw = float(result["raw_publish_per_s"])
    figures += [
        Figure(
            "messaging",
            "outbox→NATS→inbox events/s",
            result["events_per_s"],
            "/s",
            kind,
            "raw JetStream publish/s",
            raw,
        ),
        Figure("messaging", "commit→consumer p50", result["latency_ms"]["p50"], "ms", kind),
        Figure("messaging", "commit→consumer p99", result["latency_ms"]["p99"], "ms", kind),
    ]
    return figures


async def _catalog(bench: Any, context: BenchContext, kind: str) -> list[Figure]:
    figures: list[Figure] = []
    url = await context.create_database("catalog", kind)
    result = await bench.run_bench(
        requests=context.n(300),
        synthetic_items=max(1_000, int(100_000 * context.scale)),
        database_url=url,
    )
    bare = result["baseline"]["bare FastAPI GET"]
    for catalogue in ("plan", "synthetic"):
        items = result["catalogues"][catalogue]["items"]
        for query, stats in result["catalogues"][catalogue]["queries"].items():
            for quantile in ("p50", "p99"):
                figures.append(
                    Figure(
                        "catalog",
                        f"{query}, {items:,} items, {quantile}",
                        stats[f"{quantile}_ms"],
                        "ms",
                        kind,
                        f"bare FastAPI GET {quantile} ms",
                        bare[f"{quantile}_ms"],
                    )
                )
    return figures


async def _dispute(bench: Any, context: BenchContext, kind: str) -> list[Figure]:
    figures: list[Figure] = []
    databases = {
        name: await context.create_database(name, kind)
        for name in ("catalog", "issuance", "dispute")
    }
    result = await bench.run_bench(
        databases,
        context.nats_url,
        n=context.n(300),
        report_rows=max(2_000, int(100_000 * context.scale)),
        work_dir=context.workdir / f"dispute-{kind}",
    )
    loop = result["correction_loop"]
    report = result["report"]
    figures += [
        Figure(
            "dispute",
            "filed→resolved→amended→propagated disputes/s",
            loop["disputes_per_s"],
            "/s",
            kind,
            "filing alone /s",
            loop["baseline_file_only_per_s"],
        ),
        Figure(
            "dispute", "filed→propagated p50", loop["filed_to_propagated_ms"]["p50"], "ms", kind
        ),
        Figure(
            "dispute", "filed→propagated p99", loop["filed_to_propagated_ms"]["p99"], "ms", kind
        ),
        Figure(
            "dispute",
            f"department report over {report['rows']:,} disputes",
            report["departments_ms"],
            "ms",
            kind,
            "SQL GROUP BY ms",
            report["baseline_group_by_ms"],
        ),
        Figure(
            "dispute",
            f"366-day processing report (HTML), {report['rows']:,} disputes",
            report["processing_366d_html_ms"],
            "ms",
            kind,
            "SQL GROUP BY ms",
            report["baseline_group_by_ms"],
        ),
    ]
    return figures


async def _issuance(bench: Any, context: BenchContext, kind: str) -> list[Figure]:
    figures: list[Figure] = []
    url = await context.create_database("issuance", kind)
    result = await bench.run_bench(
        n=context.n(2000),
        verify=context.n(2000),
        concurrency=16,
        database_url=url,
        nats_url=context.nats_url,
    )
    bulk = result["bulk_issuance"]
    verification = result["issuer_verification"]
    figures += [
        Figure(
            "issuance",
            "bulk issuance licences/s (sign, store, outbox, delivered)",
            bulk["licences_per_s"],
            "/s",
            kind,
            "raw Ed25519 signatures/s",
            bulk["raw_ed25519_signatures_per_s"],
        ),
        Figure(
            "issuance",
            "issuer verifications/s over NATS (16 in flight)",
            verification["nats_per_s"],
            "/s",
            kind,
            "bare FastAPI POST /s",
            verification["bare_fastapi_post_per_s"],
        ),
        Figure(
            "issuance",
            "issuer verifications/s over REST (16 in flight)",
            verification["rest_per_s"],
            "/s",
            kind,
            "bare FastAPI POST /s",
            verification["bare_fastapi_post_per_s"],
        ),
    ]
    return figures


async def _verification(bench: Any, context: BenchContext, kind: str) -> list[Figure]:
    figures: list[Figure] = []
    databases = {
        name: await context.create_database(name, kind) for name in ("verification", "issuance")
    }
    result = await bench.run_bench(
        nats_url=context.nats_url,
        duration=max(2.0, 5.0 * context.scale),
        connections=(16, 64),
        databases=databases,
    )
    for connections, run in result["runs"].items():
        baseline = run["baseline"]
        for floor, what in (
            ("hop", "routing floor (bare POST + one NATS request-reply)"),
            ("issuer_hop", "issuer floor (bare POST + the issuer's real answer, unchecked)"),
        ):
            figures.append(
                Figure(
                    "verification",
                    f"{what}, {connections} connections, req/s",
                    run[floor]["rps"],
                    "/s",
                    kind,
                    "bare FastAPI POST /s",
                    baseline["rps"],
                )
            )
        for mode in ("online", "offline"):
            measured = run[mode]
            label = f"{mode} verifications, {connections} connections"
            figures += [
                Figure(
                    "verification",
                    f"{label}, req/s (target online ≥ 0.25 on PostgreSQL)"
                    if mode == "online"
                    else f"{label}, req/s",
                    measured["rps"],
                    "/s",
                    kind,
                    "bare FastAPI POST /s",
                    baseline["rps"],
                ),
                Figure(
                    "verification",
                    f"{label}, p50",
                    measured["p50_ms"],
                    "ms",
                    kind,
                    "bare POST p50 ms",
                    baseline["p50_ms"],
                ),
                Figure(
                    "verification",
                    f"{label}, p99",
                    measured["p99_ms"],
                    "ms",
                    kind,
                    "bare POST p99 ms",
                    baseline["p99_ms"],
                ),
            ]
    return figures


async def _rescode(bench: Any, context: BenchContext, kind: str) -> list[Figure]:
    figures: list[Figure] = []
    url = await context.create_database("rescode", kind)
    result = await bench.run_bench(url, context.nats_url, context.n(500), samples=context.n(200))
    bare = result["bare_post_per_s"]
    delivery = result["event_delivery_ms"]
    figures += [
        Figure(
            "rescode",
            "codes issued/s",
            result["codes_issued_per_s"],
            "/s",
            kind,
            "bare FastAPI POST /s",
            bare,
        ),
        Figure(
            "rescode",
            "codes resolved/s",
            result["codes_resolved_per_s"],
            "/s",
            kind,
            "bare FastAPI POST /s",
            bare,
        ),
        Figure(
            "rescode",
            "licence issued → in wallet p50",
            result["wallet_visible_ms"]["p50"],
            "ms",
            kind,
            "raw event delivery p50 ms",
            delivery["p50"],
        ),
        Figure(
            "rescode",
            "licence issued → in wallet p99 (target ≤ 100)",
            result["wallet_visible_ms"]["p99"],
            "ms",
            kind,
            "raw event delivery p99 ms",
            delivery["p99"],
        ),
    ]
    return figures


SUITES: tuple[Suite, ...] = tuple(
    Suite(name, per_database(f"wuzheng.{name}.bench", measure))
    for name, measure in (
        ("messaging", _messaging),
        ("catalog", _catalog),
        ("issuance", _issuance),
        ("verification", _verification),
        ("rescode", _rescode),
        ("dispute", _dispute),
    )
)
