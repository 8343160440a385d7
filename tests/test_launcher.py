"""`make run`'s launcher as an operator meets it: everything up and ready, then Ctrl-C
stops every process it started."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from wuzheng.cli._journey_mesh import free_port_block
from wuzheng.cli._services import services_from

pytestmark = pytest.mark.slow


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_run_brings_up_the_mesh_and_ctrl_c_stops_all_of_it(tmp_path: Path) -> None:
    base = free_port_block(6)
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL",)}
    env["WUZHENG_ENV"] = "dev"
    launcher = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wuzheng.cli.main",
            "run",
            "--var-dir",
            str(tmp_path),
            "--base-port",
            str(base),
            "--nats-port",
            str(base + 5),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    try:
        assert launcher.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = launcher.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Stop:" in line:
                break
        text = "".join(output)
        assert "wuzheng is running" in text, text
        for service in services_from(base):
            ready = httpx.get(f"{service.url()}/readyz", timeout=5)
            assert ready.status_code == 200, (service.name, ready.text)
        nats_pid = int(re.search(r"pid (\d+), store", text).group(1))  # type: ignore[union-attr]
        assert pid_alive(nats_pid)
    finally:
        launcher.send_signal(signal.SIGINT)
        rest, _ = launcher.communicate(timeout=60)
    stopped = [int(pid) for pid in re.findall(r"stopping \S+ \(pid (\d+)\)", rest)]
    assert launcher.returncode == 0, rest
    assert len(stopped) == 6, rest  # five services and nats-server
    assert not [pid for pid in stopped if pid_alive(pid)]
    assert (tmp_path / "db" / "catalog.sqlite3").exists()
    assert (tmp_path / "auth" / "jwks.json").exists()
