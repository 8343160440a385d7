from wuzheng.rescode.bench import run_bench


async def test_the_bench_runs_end_to_end(database_url: str, nats_url: str) -> None:
    result = await run_bench(database_url, nats_url, n=10, concurrency=2, samples=5)
    assert result["codes_issued_per_s"] > 0
    assert result["codes_resolved_per_s"] > 0
    assert 0 < result["codes_issued_ratio"] < 1  # a real endpoint does more than an echo
    assert 0 < result["wallet_visible_ms"]["p50"] <= result["wallet_visible_ms"]["p99"]
    assert result["event_delivery_ms"]["p50"] > 0
