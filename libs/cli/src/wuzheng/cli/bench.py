"""``make bench``: every benchmark the mesh defines, each figure beside a baseline measured
in the same run, printed as one table and written to ``var/bench/``.

    python -m wuzheng.cli.bench                 # everything, SQLite and (if reachable) PostgreSQL
    python -m wuzheng.cli.bench --only messaging --quick

A private nats-server (the pip binary) is started unless ``NATS_URL`` is set. PostgreSQL is
used when ``WUZHENG_BENCH_POSTGRES`` (an admin URL) is set or the default local server answers;
each benchmark gets a scratch database, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from wuzheng.cli import _bench_baselines as baselines
from wuzheng.cli._bench_suites import SUITES, BenchContext, Figure
from wuzheng.db.testing import create_scratch_database, drop_database
from wuzheng.messaging.server import NatsServerProcess

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


@dataclass
class Report:
    started_at: str
    machine: dict[str, Any]
    baselines: dict[str, float]
    figures: list[Figure] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "machine": self.machine,
            "baselines": self.baselines,
            "figures": [asdict(f) | {"ratio": f.ratio} for f in self.figures],
            "skipped": self.skipped,
        }


def machine() -> dict[str, Any]:
    model = ""
    memory_kb = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_kb = int(line.split()[1])
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


async def postgres_admin_url() -> str | None:
    url = os.environ.get("WUZHENG_BENCH_POSTGRES") or DEFAULT_POSTGRES
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure means "no PostgreSQL here"
        return None
    finally:
        await engine.dispose()
    return url


@asynccontextmanager
async def nats_for_bench(workdir: Path) -> AsyncIterator[str]:
    external = os.environ.get("NATS_URL")
    if external:
        yield external
        return
    server = NatsServerProcess(store_dir=workdir / "nats", log_file=workdir / "nats.log")
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


async def run(only: set[str] | None, quick: bool, use_postgres: bool) -> Report:
    console = Console(stderr=True)
    report = Report(datetime.now(UTC).isoformat(timespec="seconds"), machine(), {})
    scale = 0.2 if quick else 1.0
    with tempfile.TemporaryDirectory(prefix="wuzheng-bench-") as tmp:
        workdir = Path(tmp)
        admin = await postgres_admin_url() if use_postgres else None
        if use_postgres and admin is None:
            report.skipped["postgresql"] = "no PostgreSQL reachable (set WUZHENG_BENCH_POSTGRES)"
        async with nats_for_bench(workdir) as nats_url:
            n_http = int(4000 * scale)
            get = await baselines.bare_fastapi("GET", n=n_http, concurrency=16)
            post = await baselines.bare_fastapi("POST", n=n_http, concurrency=16)
            report.baselines = {
                "fastapi_get_per_s": round(get.per_second, 1),
                "fastapi_get_p50_ms": round(get.p50_ms, 2),
                "fastapi_get_p99_ms": round(get.p99_ms, 2),
                "fastapi_post_per_s": round(post.per_second, 1),
                "fastapi_post_p50_ms": round(post.p50_ms, 2),
                "fastapi_post_p99_ms": round(post.p99_ms, 2),
                "ed25519_signs_per_s": round(
                    baselines.ed25519_signs_per_second(int(20000 * scale)), 1
                ),
                "nats_publish_per_s": round(
                    await baselines.nats_publishes_per_second(nats_url, int(3000 * scale)), 1
                ),
            }

            created: list[str] = []

            async def database(name: str, kind: str) -> str:
                if kind == "sqlite":
                    return (
                        f"sqlite+aiosqlite:///{workdir / f'{name}-{time.monotonic_ns()}.sqlite3'}"
                    )
                assert admin is not None
                url = await create_scratch_database(admin, prefix=f"wz_bench_{name}")
                created.append(url)
                return url

            context = BenchContext(
                nats_url=nats_url,
                databases=("sqlite", "postgresql") if admin else ("sqlite",),
                create_database=database,
                baselines=report.baselines,
                scale=scale,
                workdir=workdir,
            )
            suites = [s for s in SUITES if only is None or s.name in only]
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("benchmarks", total=len(suites))
                for suite in suites:
                    progress.update(task, description=f"bench: {suite.name}")
                    try:
                        report.figures.extend(await suite.run(context))
                    except ModuleNotFoundError as error:
                        report.skipped[suite.name] = f"not available: {error.name}"
                    progress.advance(task)
            if admin is not None:
                for url in created:
                    await drop_database(admin, url)
    return report


def number(value: float) -> str:
    """Enough digits to compare: 0.13, 2.6, 460, 7,477."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render(report: Report) -> Table:
    table = Table(
        title=f"wuzheng benchmarks — {report.machine['cpu']}, {report.machine['cores']} cores"
    )
    for column in ("benchmark", "figure", "db", "value", "baseline", "baseline value", "ratio"):
        table.add_column(
            column, justify="right" if "value" in column or column == "ratio" else "left"
        )
    for figure in report.figures:
        table.add_row(
            figure.benchmark,
            figure.name,
            figure.database or "",
            f"{number(figure.value)} {figure.unit}",
            figure.baseline or "",
            number(figure.baseline_value) if figure.baseline_value is not None else "",
            f"{figure.ratio:.2f}" if figure.ratio is not None else "",
        )
    return table


def markdown(report: Report) -> str:
    lines = [
        f"Measured {report.started_at} on {report.machine['cpu']}, {report.machine['cores']} "
        f"cores, {report.machine['memory_gib']} GiB, Python {report.machine['python']}.",
        "",
        "| benchmark | figure | db | value | baseline (same run) | ratio |",
        "|---|---|---|---:|---|---:|",
    ]
    for f in report.figures:
        baseline = (
            f"{f.baseline} {number(f.baseline_value)}" if f.baseline_value is not None else ""
        )
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else ""
        lines.append(
            f"| {f.benchmark} | {f.name} | {f.database or ''} | {number(f.value)} {f.unit} "
            f"| {baseline} | {ratio} |"
        )
    for name, why in report.skipped.items():
        lines.append(f"| {name} | skipped: {why} | | | | |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make bench", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--only", help="comma-separated suites: " + ", ".join(s.name for s in SUITES)
    )
    parser.add_argument("--quick", action="store_true", help="a fifth of the work: a smoke run")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--out", type=Path, default=Path("var/bench"), help="where to write results"
    )
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",")} if args.only else None
    report = asyncio.run(run(only, args.quick, not args.no_postgres))
    Console().print(render(report))
    for name, why in report.skipped.items():
        Console(stderr=True).print(f"[yellow]skipped {name}: {why}[/yellow]")
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = report.started_at.replace(":", "").replace("-", "")
    payload = json.dumps(report.as_json(), ensure_ascii=False, indent=2)
    (args.out / f"bench-{stamp}.json").write_text(payload, encoding="utf-8")
    (args.out / "latest.json").write_text(payload, encoding="utf-8")
    (args.out / "latest.md").write_text(markdown(report), encoding="utf-8")
    print(f"results: {args.out / 'latest.json'} and latest.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
