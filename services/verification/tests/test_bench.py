"""``bench.py`` runs end to end (tiny sizes; the real figures come from ``make bench``)."""

from __future__ import annotations

import pytest

from wuzheng.verification.bench import run_bench


@pytest.mark.slow
async def test_bench_smoke(nats_url: str) -> None:
    result = await run_bench(
        nats_url=nats_url, duration=0.5, connections=(2,), peer=True, licences=3
    )
    run = result["runs"]["2"]
    for name in ("baseline", "hop", "issuer_hop", "online", "offline"):
        assert run[name]["requests"] > 0, name
        assert run[name]["errors"] == 0, run[name]["statuses"]
    for name in ("hop", "issuer_hop", "online", "offline"):
        assert run[name]["ratio"] == round(run[name]["rps"] / run["baseline"]["rps"], 3)
    assert run["online"]["cpu_ms_per_request"]["verification"] > 0
    assert run["hop"]["cpu_ms_per_request"]["hop app"] > 0
    # The issuer floor runs without the verification service: its CPU is not counted.
    assert run["issuer_hop"]["cpu_ms_per_request"]["hop app"] > 0
    assert "verification" not in run["issuer_hop"]["cpu_ms_per_request"]


@pytest.mark.slow
async def test_bench_spreads_the_load_over_replicas(nats_url: str) -> None:
    result = await run_bench(
        nats_url=nats_url, duration=0.5, connections=(4,), peer=True, licences=3, replicas=2
    )
    assert result["replicas"] == 2
    run = result["runs"]["4"]
    for name in ("baseline", "hop", "issuer_hop", "online", "offline"):
        assert run[name]["errors"] == 0, run[name]["statuses"]
        served = run[name]["per_replica"]
        assert len(served) == 2, name
        assert min(served) > 0, (name, served)  # each replica answered its connections
        assert sum(served) == run[name]["requests"]
