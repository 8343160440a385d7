"""`wuzheng status` asks every service over HTTP and NATS directly."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from wuzheng.cli._targets import SERVICE_NAMES


def urls(**by_service: str) -> list[str]:
    args: list[str] = []
    for name, url in by_service.items():
        args += ["--url", f"{name}={url}"]
    return args


async def test_all_ready_and_the_streams_with_consumer_lag(
    standin: Any, invoke: Callable[..., Any], nats_url: str, nats_namespace: str
) -> None:
    every = urls(**dict.fromkeys(SERVICE_NAMES, standin.url))
    common = ["--nats-url", nats_url, "--namespace", nats_namespace]
    result = await invoke(["status", *every, *common, "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["healthy"] is True
    assert [s["name"] for s in status["services"]] == list(SERVICE_NAMES)
    first = status["services"][0]
    assert first["alive"]
    assert first["ready"]
    assert first["version"] == "0.0.0"  # the stand-in is no installed package
    assert first["resources"]["nats"] == "ok"
    streams = {s["name"]: s for s in status["nats"]["streams"]}
    assert set(streams) == {
        f"{nats_namespace}_{name}"
        for name in ("CATALOG", "CERTIFICATE", "VERIFICATION", "RESCODE", "DISPUTE")
    }
    (consumer,) = streams[f"{nats_namespace}_CATALOG"]["consumers"]
    assert consumer == {
        "durable": "standin-catalog",
        "pending": 0,
        "ack_pending": 0,
        "redelivered": 0,
    }

    table = await invoke(["status", *every, *common], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "standin-catalog" in table.stdout
    assert f"{nats_namespace}_CATALOG" in table.stdout


async def test_a_service_down_and_streams_missing_fail_the_status(
    standin: Any,
    invoke: Callable[..., Any],
    nats_url: str,
    closed_port_url: str,
) -> None:
    targets = dict.fromkeys(SERVICE_NAMES, standin.url)
    targets["dispute"] = closed_port_url
    result = await invoke(
        [
            "status",
            *urls(**targets),
            "--nats-url",
            nats_url,
            "--namespace",
            "nosuchmesh",
            "--json",
            "--timeout",
            "1",
        ]
    )
    assert result.exit_code == 1
    status = json.loads(result.stdout)
    assert status["healthy"] is False
    dispute = status["services"][-1]
    assert dispute["name"] == "dispute"
    assert not dispute["alive"]
    assert "ConnectError" in dispute["error"]
    assert all(not stream["found"] for stream in status["nats"]["streams"])


async def test_nats_unreachable_is_reported(
    invoke: Callable[..., Any], closed_port_url: str
) -> None:
    port = closed_port_url.rsplit(":", 1)[1]
    args = urls(**dict.fromkeys(SERVICE_NAMES, closed_port_url))
    result = await invoke(
        ["status", *args, "--nats-url", f"nats://127.0.0.1:{port}", "--timeout", "1"]
    )
    assert result.exit_code == 1
    assert "NATS at nats://127.0.0.1" in result.stdout


async def test_bad_url_option_is_refused(invoke: Callable[..., Any]) -> None:
    result = await invoke(["status", "--url", "nowhere=http://x"])
    assert result.exit_code == 2
    assert "SERVICE=URL" in result.output
