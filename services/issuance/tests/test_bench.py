"""A tiny run of the benchmark: every figure comes out, each with its baseline."""

from __future__ import annotations

import pytest

from wuzheng.issuance.bench import run_bench


@pytest.mark.slow
async def test_bench_smoke(database_url: str, nats_url: str) -> None:
    result = await run_bench(
        n=30, verify=30, concurrency=4, database_url=database_url, nats_url=nats_url
    )
    issuance = result["bulk_issuance"]
    assert issuance["n"] == 30
    assert issuance["licences_per_s"] > 0
    assert issuance["raw_ed25519_signatures_per_s"] > issuance["licences_per_s"]
    assert 0 < issuance["fraction_of_raw_signing"] < 1
    verification = result["issuer_verification"]
    assert verification["nats_per_s"] > 0
    assert verification["bare_fastapi_post_per_s"] > 0
    assert verification["nats_fraction_of_bare_post"] > 0
