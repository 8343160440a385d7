"""A tiny run of the benchmark: real processes, the real issuance, both measurements."""

from __future__ import annotations

from pathlib import Path

from wuzheng.db.testing import DatabaseFactory
from wuzheng.dispute.bench import SERVICES, run_bench


async def test_bench_runs_end_to_end(
    database_factory: DatabaseFactory, nats_url: str, tmp_path: Path
) -> None:
    databases = {name: await database_factory.create(name) for name in SERVICES}
    result = await run_bench(
        databases, nats_url, n=5, concurrency=2, report_rows=500, work_dir=tmp_path / "var"
    )
    loop = result["correction_loop"]
    assert loop["propagated"] == 5
    assert loop["disputes_per_s"] > 0
    assert 0 < loop["filed_to_propagated_ms"]["p50"] <= loop["filed_to_propagated_ms"]["p99"]
    assert loop["baseline_healthz_per_s"] > loop["baseline_file_only_per_s"] > 0
    report = result["report"]
    assert report["rows"] == 500 + 10
    assert report["departments_ms"] > 0
    assert (tmp_path / "var" / "report.html").read_text(encoding="utf-8").startswith("<!doctype")
