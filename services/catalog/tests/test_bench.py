"""A smoke run of the benchmark (the real one is ``make bench``, not a test)."""

from __future__ import annotations

from wuzheng.catalog.bench import QUERIES, render_table, run_bench


async def test_bench_smoke(database_url: str) -> None:
    result = await run_bench(requests=3, synthetic_items=1_000, database_url=database_url)
    assert set(result["baseline"]) == {"bare FastAPI GET", "catalog /healthz"}
    plan = result["catalogues"]["plan"]
    synthetic = result["catalogues"]["synthetic"]
    assert plan["items"] == 664
    assert synthetic["items"] == 1_000
    assert list(plan["queries"]) == list(QUERIES)
    assert plan["queries"]["search 护照"]["matches"] == 1
    assert synthetic["queries"]["search 护照"]["matches"] >= 1
    assert synthetic["queries"]["filter batch"]["matches"] == 664
    for stats in (*plan["queries"].values(), *result["baseline"].values()):
        assert 0 < stats["p50_ms"] <= stats["p99_ms"]
    assert "| search 残疾 |" in render_table(result)
