"""A throwaway mesh for the end-to-end tests, the fault tests and the bad-input sweep.

The services run as real processes through :class:`~wuzheng.cli._launcher.Launcher`, as
``make run`` runs them, in a var dir of the test's own, on free ports:

- databases: SQLite files under the var dir; with ``WUZHENG_TEST_POSTGRES`` (an admin URL)
  a scratch PostgreSQL database per service, passed as ``<SERVICE>_DATABASE_URL`` and
  dropped afterwards;
- NATS: a private ``nats-server`` (JetStream store under the var dir) that this module owns,
  so a fault test can kill it by PID and start it again on the same port and store — unless
  ``NATS_URL`` is set (and ``private_nats`` not asked for): then that server is used, with
  a namespace of the mesh's own whose streams are deleted afterwards.

:func:`shared_mesh` lets several test directories' session fixtures use one mesh (started by
the first, stopped when the last lets go).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console

from wuzheng.auth import ensure_dev_signing_key
from wuzheng.cli._journey import MeshUrls
from wuzheng.cli._launcher import Launcher, LaunchError
from wuzheng.cli._services import LocalService, services_from
from wuzheng.db.testing import create_scratch_database, drop_database, postgres_admin_url
from wuzheng.messaging.server import NatsServerProcess
from wuzheng.messaging.testing import delete_namespace_streams

__all__ = [
    "ALL_SERVICES",
    "ServiceProcess",
    "TestMesh",
    "clean_env",
    "free_port_block",
    "shared_mesh",
    "start_mesh",
]

ALL_SERVICES: tuple[str, ...] = ("catalog", "issuance", "verification", "rescode", "dispute")
READY_TIMEOUT_S = 90.0


def free_port_block(size: int) -> int:
    """A base port with ``size`` free consecutive ports after it."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base: int = probe.getsockname()[1]
        if base + size >= 65535:
            continue
        try:
            for port in range(base, base + size):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no block of free ports")


@dataclass
class ServiceProcess:
    """One service run by hand (not by the launcher), to be killed and started again."""

    service: LocalService
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return self.service.url()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def migrate(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", self.service.module, "migrate"],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", self.service.module, "serve"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def readiness(self) -> tuple[int | None, str]:
        """``/readyz``: its status and body, or (None, why) when it does not answer."""
        try:
            response = httpx.get(f"{self.url}/readyz", timeout=2.0)
        except httpx.HTTPError as error:
            return None, repr(error)
        return response.status_code, response.text

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> float:
        started = time.monotonic()
        status, text = None, ""
        while time.monotonic() - started < timeout:
            if self.process is not None and self.process.poll() is not None:
                raise LaunchError(
                    f"{self.service.name} exited with {self.process.returncode}; "
                    f"see {self.log}\n{self.log_tail()}"
                )
            status, text = self.readiness()
            if status == 200:
                return time.monotonic() - started
            time.sleep(0.2)
        raise LaunchError(f"{self.service.name} not ready in {timeout:.0f}s: {status} {text}")

    def kill(self) -> None:
        """SIGKILL by PID: no shutdown, no draining — a crash."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (graceful), SIGKILL after 10 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class TestMesh:
    """A running mesh: where its services answer, its var dir (dev key), its NATS."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    var_dir: Path
    services: tuple[LocalService, ...]
    launcher: Launcher
    nats_url: str
    nats: NatsServerProcess | None
    namespace: str
    database_urls: dict[str, str]
    env: dict[str, str]
    started_in: float = 0.0
    by_hand: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def urls(self) -> MeshUrls:
        found = {s.name: s.url() for s in self.services}
        missing = {name: "http://127.0.0.1:9" for name in ALL_SERVICES if name not in found}
        return MeshUrls(**{**missing, **found})

    def url(self, name: str) -> str:
        return next(s.url() for s in self.services if s.name == name)

    def service_process(self, name: str) -> ServiceProcess:
        """A service of this mesh that the launcher did not start, run by hand."""
        service = next(s for s in self.services if s.name == name)
        return ServiceProcess(
            service,
            self.launcher.service_env(service),
            self.var_dir / "log" / f"{name}.log",
        )


def clean_env(base: dict[str, str]) -> dict[str, str]:
    """The test's environment without anything that would point a service elsewhere."""
    env = {
        key: value
        for key, value in base.items()
        if not key.endswith("_DATABASE_URL")
        and key not in ("NATS_URL", "WUZHENG_NATS_NAMESPACE", "WUZHENG_VAR_DIR")
    }
    env["WUZHENG_ENV"] = "dev"
    return env


def start_mesh(
    var_dir: Path,
    *,
    services: Sequence[str] = ALL_SERVICES,
    by_hand: Sequence[str] = (),
    private_nats: bool = False,
    console: Console | None = None,
) -> TestMesh:
    """Start the mesh; ``by_hand`` services get their migrations and a process of their own
    (a :class:`ServiceProcess`, to be killed and restarted by a test) instead of the
    launcher's."""
    started = time.monotonic()
    var_dir.mkdir(parents=True, exist_ok=True)
    ensure_dev_signing_key(var_dir)
    base = free_port_block(len(ALL_SERVICES) + 1)
    wanted = [s for s in services_from(base) if s.name in services]
    env = clean_env(dict(os.environ))
    external = None if private_nats else os.environ.get("NATS_URL") or None
    nats: NatsServerProcess | None = None
    namespace = ""
    if external:
        namespace = f"e2e{secrets.token_hex(5)}"
        env["WUZHENG_NATS_NAMESPACE"] = namespace
        nats_url = external
    else:
        nats = NatsServerProcess(
            port=base + len(ALL_SERVICES),
            store_dir=var_dir / "nats",
            log_file=var_dir / "log" / "nats-server.log",
        )
        nats.start()
        nats_url = nats.url
    database_urls: dict[str, str] = {}
    admin = postgres_admin_url()
    launcher: Launcher | None = None
    hand: list[ServiceProcess] = []
    try:
        if admin:
            for service in wanted:
                url = asyncio.run(create_scratch_database(admin, prefix=f"wz_e2e_{service.name}"))
                database_urls[service.name] = url
                env[f"{service.env_prefix}DATABASE_URL"] = url
        launcher = Launcher(
            var_dir,
            nats_url=nats_url,
            services=[s for s in wanted if s.name not in by_hand],
            env=env,
            console=console or Console(stderr=True, quiet=True),
        )
        mesh = TestMesh(
            var_dir=var_dir,
            services=tuple(wanted),
            launcher=launcher,
            nats_url=nats_url,
            nats=nats,
            namespace=namespace,
            database_urls=database_urls,
            env=env,
        )
        for name in by_hand:
            process = mesh.service_process(name)
            migrated = process.migrate()
            if migrated.returncode != 0:
                raise LaunchError(f"migrations of {name} failed:\n{migrated.stdout[-2000:]}")
            process.start()
            hand.append(process)
            mesh.by_hand[name] = process
        launcher.start()
        for process in mesh.by_hand.values():
            process.wait_ready()
    except BaseException:
        _cleanup(launcher, nats, namespace, nats_url, admin, database_urls, hand)
        raise
    mesh.started_in = time.monotonic() - started
    return mesh


def _cleanup(
    launcher: Launcher | None,
    nats: NatsServerProcess | None,
    namespace: str,
    nats_url: str,
    admin: str | None,
    database_urls: dict[str, str],
    by_hand: Sequence[ServiceProcess] = (),
) -> None:
    for process in by_hand:
        process.stop()
    if launcher is not None:
        launcher.stop()
    if nats is not None:
        nats.stop()
    elif namespace:
        with contextlib.suppress(Exception):
            asyncio.run(delete_namespace_streams(nats_url, namespace))
    if admin:
        for url in database_urls.values():
            with contextlib.suppress(Exception):
                asyncio.run(drop_database(admin, url))


def stop_mesh(mesh: TestMesh) -> None:
    _cleanup(
        mesh.launcher,
        mesh.nats,
        mesh.namespace,
        mesh.nats_url,
        postgres_admin_url(),
        mesh.database_urls,
        tuple(mesh.by_hand.values()),
    )


class _Shared:
    mesh: TestMesh | None = None
    error: BaseException | None = None
    users = 0


@contextlib.contextmanager
def shared_mesh(var_dir: Path) -> Iterator[TestMesh]:
    """The session's one full mesh: started on first use, stopped when the last user
    leaves (several test directories each hold it from a session fixture). A mesh that
    failed to start is not tried again: every user gets the same error."""
    if _Shared.error is not None:
        raise LaunchError(f"the mesh failed to start earlier: {_Shared.error}")
    if _Shared.mesh is None:
        try:
            _Shared.mesh = start_mesh(var_dir)
        except BaseException as error:
            _Shared.error = error
            raise
    _Shared.users += 1
    try:
        yield _Shared.mesh
    finally:
        _Shared.users -= 1
        if _Shared.users == 0:
            mesh, _Shared.mesh = _Shared.mesh, None
            stop_mesh(mesh)
