import json
from pathlib import Path

import pytest

from wuzheng.cli import bench

pytestmark = pytest.mark.slow


def test_bench_writes_each_figure_beside_its_baseline(tmp_path: Path) -> None:
    assert (
        bench.main(["--only", "messaging", "--quick", "--no-postgres", "--out", str(tmp_path)]) == 0
    )
    report = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert report["machine"]["cores"] >= 1
    assert report["baselines"]["fastapi_get_per_s"] > 0
    assert report["baselines"]["ed25519_signs_per_s"] > 0
    assert report["baselines"]["nats_publish_per_s"] > 0
    throughput = next(f for f in report["figures"] if f["name"].endswith("events/s"))
    assert throughput["database"] == "sqlite"
    assert throughput["baseline_value"] > 0
    assert throughput["ratio"] == pytest.approx(
        throughput["value"] / throughput["baseline_value"], rel=1e-2
    )
    markdown = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert "| messaging | outbox→NATS→inbox events/s | sqlite |" in markdown
