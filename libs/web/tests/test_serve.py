from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx

SERVICE = textwrap.dedent(
    """
    import gc

    from fastapi import APIRouter

    from wuzheng.settings import ServiceSettings
    from wuzheng.web import create_app, serve

    router = APIRouter()

    @router.get("/hello/{name}")
    async def hello(name: str) -> dict[str, str]:
        return {"hello": name}

    @router.get("/frozen")
    async def frozen() -> dict[str, int]:
        return {"objects": gc.get_freeze_count()}

    settings = ServiceSettings()
    serve(settings, create_app(settings, title="demo", version="0", routers=[router]))
    """
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_uvicorn_with_json_logs(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "WUZHENG_ENV": "test",
        "WUZHENG_VAR_DIR": str(tmp_path),
        "WUZHENG_PORT": str(port),
        "WUZHENG_LOG_LEVEL": "INFO",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SERVICE],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/hello/370724199001011234")
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.05)
        assert response.json() == {"hello": "370724199001011234"}
        assert "server" not in response.headers
        # what was alive once the app had started is out of the collector's sight
        frozen = httpx.get(f"http://127.0.0.1:{port}/frozen").json()["objects"]
        assert frozen > 10_000, frozen
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=20)
    # uvicorn shuts down gracefully, then re-raises the signal: exit by SIGTERM, not a crash
    assert process.returncode in (0, -signal.SIGTERM), stderr
    entries = [json.loads(line) for line in stdout.splitlines()]  # every line is JSON
    assert {entry["service"] for entry in entries} == {"service"}
    messages = [entry["message"] for entry in entries]
    assert any("Uvicorn running on" in message for message in messages)
    assert "GET /hello/{name} 200" in messages
    assert "370724199001011234" not in stdout
    assert "stopped auth" in messages
