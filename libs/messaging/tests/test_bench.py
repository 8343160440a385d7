from wuzheng.messaging.bench import run_bench


async def test_the_bench_runs_end_to_end(database_url: str, nats_url: str) -> None:
    result = await run_bench(database_url, nats_url, n=20)
    assert result["n"] == 20
    assert result["events_per_s"] > 0
    assert 0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p99"]
    assert result["raw_publish_per_s"] > 0
