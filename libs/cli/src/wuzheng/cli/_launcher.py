"""Bring the whole mesh up on one machine: nats-server, migrations, five services.

Every process it starts is remembered by PID and stopped on Ctrl-C, on SIGTERM, or when
any of them dies; nothing else on the machine is touched.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

import httpx
from rich.console import Console
from rich.table import Table

from wuzheng.cli._services import EMBEDDED_NATS_PORT, SERVICES, LocalService
from wuzheng.messaging.server import NatsServerProcess

READY_TIMEOUT_S = 90.0
STOP_GRACE_S = 10.0


class LaunchError(RuntimeError):
    """A part of the mesh failed to start; the message says which and where its log is."""


class Launcher:
    def __init__(
        self,
        var_dir: Path,
        *,
        nats_url: str | None = None,
        nats_port: int = EMBEDDED_NATS_PORT,
        services: Sequence[LocalService] = SERVICES,
        env: Mapping[str, str] | None = None,
        console: Console | None = None,
    ) -> None:
        self.var_dir = var_dir.resolve()
        self.services = tuple(services)
        self.console = console or Console(stderr=True)
        self._base_env = dict(os.environ if env is None else env)
        self._external_nats_url = nats_url
        self._nats_port = nats_port
        self._nats: NatsServerProcess | None = None
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._log_dir = self.var_dir / "log"

    # -- lifecycle -------------------------------------------------------------------

    @property
    def nats_url(self) -> str:
        if self._external_nats_url:
            return self._external_nats_url
        assert self._nats is not None, "start() first"
        return self._nats.url

    def start(self) -> None:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_nats()
            for service in self.services:
                self._migrate(service)
            for service in self.services:
                self._spawn(service)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for name, process in reversed(list(self._processes.items())):
            if process.poll() is None:
                self.console.print(f"[dim]stopping {name} (pid {process.pid})[/dim]")
                process.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for process in self._processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            if process.poll() is None:
                process.kill()
                process.wait()
        self._processes.clear()
        if self._nats is not None:
            self.console.print(f"[dim]stopping nats-server (pid {self._nats.pid})[/dim]")
            self._nats.stop()
            self._nats = None

    def run_until_interrupted(self) -> int:
        """Block until Ctrl-C/SIGTERM or until a service dies; always stop everything."""
        stop_requested = False

        def request_stop(_signum: int, _frame: FrameType | None) -> None:
            nonlocal stop_requested
            stop_requested = True

        # Both handled explicitly: a launcher started in the background inherits SIGINT as
        # ignored, and Ctrl-C must still stop everything.
        previous = {
            sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            while not stop_requested:
                for name, process in self._processes.items():
                    if process.poll() is not None:
                        self.console.print(
                            f"[red]{name} exited with {process.returncode}[/red]; "
                            f"see {self._log_dir / f'{name}.log'}"
                        )
                        return 1
                time.sleep(0.5)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.stop()
        return 0

    # -- steps -----------------------------------------------------------------------

    def service_env(self, service: LocalService) -> dict[str, str]:
        env = dict(self._base_env)
        env.setdefault("WUZHENG_ENV", "dev")
        env["WUZHENG_VAR_DIR"] = str(self.var_dir)
        env["NATS_URL"] = self.nats_url
        env[f"{service.env_prefix}HOST"] = "127.0.0.1"
        env[f"{service.env_prefix}PORT"] = str(service.port)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _start_nats(self) -> None:
        if self._external_nats_url:
            self.console.print(f"using NATS at [bold]{self._external_nats_url}[/bold]")
            return
        self._nats = NatsServerProcess(
            port=self._nats_port,
            store_dir=self.var_dir / "nats",
            log_file=self._log_dir / "nats-server.log",
        )
        self._nats.start()
        self.console.print(
            f"started nats-server with JetStream at [bold]{self._nats.url}[/bold] "
            f"(pid {self._nats.pid}, store {self.var_dir / 'nats'})"
        )

    def _migrate(self, service: LocalService) -> None:
        log = self._log_dir / f"{service.name}-migrate.log"
        with log.open("wb") as out:
            result = subprocess.run(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", service.module, "migrate"],
                env=self.service_env(service),
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if result.returncode != 0:
            raise LaunchError(f"migrations of {service.name} failed; see {log}\n{_tail(log)}")
        self.console.print(f"migrated {service.name}")

    def _spawn(self, service: LocalService) -> None:
        log = self._log_dir / f"{service.name}.log"
        out = log.open("ab")
        self._processes[service.name] = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", service.module, "serve"],
            env=self.service_env(service),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()  # the child holds its own handle

    def _wait_ready(self) -> None:
        pending = {service.name: service for service in self.services}
        deadline = time.monotonic() + READY_TIMEOUT_S
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for name, service in list(pending.items()):
                    process = self._processes[name]
                    if process.poll() is not None:
                        log = self._log_dir / f"{name}.log"
                        raise LaunchError(
                            f"{name} exited with {process.returncode} before it was ready; "
                            f"see {log}\n{_tail(log)}"
                        )
                    with contextlib.suppress(httpx.HTTPError):
                        if client.get(f"{service.url()}/readyz").status_code == 200:
                            self.console.print(f"{name} ready at {service.url()}")
                            del pending[name]
                if pending and time.monotonic() > deadline:
                    raise LaunchError(f"not ready after {READY_TIMEOUT_S:.0f}s: {sorted(pending)}")
                time.sleep(0.3)

    def summary(self) -> Table:
        table = Table(title="wuzheng is running", show_lines=False)
        table.add_column("service")
        table.add_column("URL")
        table.add_column("API docs")
        for service in self.services:
            table.add_row(service.title, service.url(), f"{service.url()}/docs")
        table.add_row("NATS JetStream", self.nats_url, "")
        return table


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
