"""Faults over real processes: each test breaks something in the middle of real traffic,
prints what happened, and asserts that nothing was lost and nothing applied twice.

The fault mesh is its own (catalog, issuance, verification, rescode) with a private
nats-server that the test owns — never a shared or system NATS — and issuance run by hand,
so both can be killed by PID and started again on the same port, store and database.
"""

import asyncio
import contextlib
import json
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from sqlalchemy.engine import make_url

from wuzheng.auth import ensure_dev_signing_key, mint_token
from wuzheng.cli._journey import ID_CARD, RESIDENT_ITEM, new_resident, wait_settled
from wuzheng.cli._journey_mesh import (
    ServiceProcess,
    TestMesh,
    clean_env,
    free_port_block,
    start_mesh,
)
from wuzheng.cli._journey_mesh import stop_mesh as stop_test_mesh
from wuzheng.cli._services import LocalService
from wuzheng.contracts import HolderCode
from wuzheng.db.testing import create_scratch_database, drop_database, postgres_admin_url
from wuzheng.messaging.server import NatsServerProcess
from wuzheng.messaging.testing import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SERVICES = ("catalog", "issuance", "verification", "rescode")
ID_CARD_FIELDS = {
    "holder_name": "李四",
    "gender": "2",
    "ethnicity": "汉",
    "birth_date": "1990-01-01",
    "address": "山东省安丘市兴安街道永安路1号",
    "jurisdiction_code": "370784",
}


@pytest.fixture(scope="module")
def fault_mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestMesh]:
    mesh = start_mesh(
        tmp_path_factory.mktemp("fault-mesh"),
        services=SERVICES,
        by_hand=("issuance",),
        private_nats=True,
    )
    assert mesh.nats is not None
    print(f"\nfault mesh up in {mesh.started_in:.1f}s (nats-server pid {mesh.nats.pid})")
    try:
        yield mesh
    finally:
        stop_test_mesh(mesh)


@dataclass
class Mesh:
    """What a fault test drives: URLs, tokens, the killable parts."""

    mesh: TestMesh
    http: httpx.AsyncClient
    type_code: str = ""
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def nats(self) -> NatsServerProcess:
        assert self.mesh.nats is not None
        return self.mesh.nats

    @property
    def issuance(self) -> ServiceProcess:
        return self.mesh.by_hand["issuance"]

    def url(self, service: str) -> str:
        return self.mesh.url(service)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def settle(self, within: float = 60) -> float:
        urls = {name: self.url(name) for name in SERVICES}
        return await wait_settled(self.http, urls, timeout=within)

    async def issue(self, holder: str, key: str) -> httpx.Response:
        return await self.http.post(
            f"{self.url('issuance')}/v1/licences",
            json={
                "type_code": self.type_code,
                "holder": holder,
                "fields": {**ID_CARD_FIELDS, "birth_date": _born(holder)},
                "valid_from": "2022-01-01",
            },
            headers={**self.auth("issuer"), "Idempotency-Key": key},
        )

    async def wallet_ids(self, holder: str) -> list[str]:
        response = await self.http.get(
            f"{self.url('rescode')}/v1/holders/{holder}/wallet", headers=self.auth("app")
        )
        assert response.status_code == 200, response.text
        return [licence["licence_id"] for licence in response.json()["licences"]]

    async def access_log(self, holder: str) -> dict[str, Any]:
        response = await self.http.get(
            f"{self.url('rescode')}/v1/holders/{holder}/access-log",
            headers=self.auth("app"),
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def verify(
        self, licence_id: str, holder: str, *, qr: str | None = None, offline: bool = False
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "holder": holder,
            "item_seq_no": RESIDENT_ITEM,
            "purpose": "故障测试核验",
            "allow_offline": offline,
        }
        body.update({"qr": qr} if qr else {"licence_id": licence_id})
        return await self.http.post(
            f"{self.url('verification')}/v1/verifications", json=body, headers=self.auth("counter")
        )

    async def all_ready(self) -> bool:
        for name in SERVICES:
            with contextlib.suppress(httpx.HTTPError):
                response = await self.http.get(f"{self.url(name)}/readyz")
                if response.status_code == 200:
                    continue
            return False
        return True

    async def outbox_pending(self, service: str) -> int:
        text = (await self.http.get(f"{self.url(service)}/metrics")).text
        return sum(
            int(float(line.rsplit(" ", 1)[1]))
            for line in text.splitlines()
            if line.startswith("wuzheng_outbox_backlog{") and 'status="pending"' in line
        )

    async def issued_events(self) -> Counter[str]:
        """``certificate.licence.issued`` events in the JetStream stream, per licence id."""
        found: Counter[str] = Counter()
        client = await nats.connect(self.mesh.nats_url, connect_timeout=5)
        try:
            js = client.jetstream(timeout=10)
            state = (await js.stream_info("CERTIFICATE")).state
            for seq in range(state.first_seq, state.last_seq + 1):
                with contextlib.suppress(nats.js.errors.NotFoundError):
                    message = await js.get_msg("CERTIFICATE", seq)
                    if message.subject == "certificate.licence.issued":
                        found[json.loads(message.data or b"{}")["data"]["licence_id"]] += 1
        finally:
            await client.close()
        return found


def _born(holder: str) -> str:
    code = holder.split(":", 1)[1]
    return f"{code[6:10]}-{code[10:12]}-{code[12:14]}"


@pytest.fixture
async def drive(fault_mesh: TestMesh) -> AsyncIterator[Mesh]:
    async with httpx.AsyncClient(timeout=30) as http:
        driven = Mesh(fault_mesh, http)
        var = fault_mesh.var_dir
        driven.tokens = {
            "issuer": mint_token(
                var, department="public-security", scopes=["licences:issue"], operator="po-1"
            ),
            "manager": mint_token(
                var,
                department="public-security",
                scopes=["licences:manage", "licences:read"],
                operator="po-2",
            ),
            "app": mint_token(var, department="aishandong", scopes=["wallet:read"]),
            "counter": mint_token(
                var, department="civil-affairs", scopes=["verify:request"], operator="ca-9"
            ),
        }
        # every part up (a failed fault test must not take the next one down with it)
        if not driven.nats.running:
            driven.nats.start()
        if driven.issuance.process is None or driven.issuance.process.poll() is not None:
            driven.issuance.start()
            await asyncio.to_thread(driven.issuance.wait_ready)
        await wait_until(driven.all_ready, timeout=60, interval=0.3, message="fault mesh ready")
        types = (await http.get(f"{driven.url('catalog')}/v1/licence-types")).json()
        driven.type_code = next(t["code"] for t in types if t["name"] == ID_CARD)
        await driven.settle(within=120)  # the catalog's events reached every read model
        yield driven


def _holder() -> str:
    return str(HolderCode.from_code(new_resident()))


async def test_nats_killed_and_restarted_mid_flow(drive: Mesh) -> None:
    """SIGKILL nats-server while licences are being issued, start it again on the same port
    and store: every licence reaches the wallet once, every verification the access log
    once, and JetStream holds one issued event per licence."""
    holder = _holder()
    total, kill_at, restart_at = 24, 8, 16
    issued: list[str] = []
    verified = 0

    async def verify_all() -> None:
        nonlocal verified
        for licence_id in issued[:3]:
            response = await drive.verify(licence_id, holder)
            assert response.status_code == 200, response.text
            assert response.json()["outcome"] == "valid"
            verified += 1

    killed_pid, down_at, down_for, waiting = 0, 0.0, 0.0, 0
    for n in range(total):
        if n == kill_at:
            await verify_all()
            killed_pid = drive.nats.pid or 0
            drive.nats.kill()  # SIGKILL by PID: no flush, no goodbye
            down_at = time.monotonic()
        if n == restart_at:
            waiting = await drive.outbox_pending("issuance")
            drive.nats.start()  # same port, same JetStream store
            down_for = time.monotonic() - down_at
        response = await drive.issue(holder, f"nats-fault-{n}-{holder[-6:]}")
        assert response.status_code == 201, response.text
        issued.append(response.json()["licence_id"])
        await asyncio.sleep(0.25 if kill_at <= n < restart_at else 0.05)
    await wait_until(drive.all_ready, timeout=60, interval=0.3, message="ready after restart")
    await verify_all()

    async def all_in_wallet() -> bool:
        return len(await drive.wallet_ids(holder)) >= total

    waited = await wait_until(all_in_wallet, timeout=90, interval=0.3, message="wallet")
    await drive.settle()
    wallet = await drive.wallet_ids(holder)
    log = await drive.access_log(holder)
    events = await drive.issued_events()
    print(
        f"\nNATS fault: killed nats-server pid {killed_pid} after {kill_at} licences, "
        f"restarted it after {restart_at} ({down_for:.1f}s down); issuance's outbox held "
        f"{waiting} events just before the restart; all {total} licences in "
        f"the wallet {waited:.1f}s later; access log {len(log['records'])} records for "
        f"{verified} verifications; JetStream: {sum(events[i] for i in issued)} issued events "
        f"for {total} licences"
    )
    assert waiting >= restart_at - kill_at  # the events did wait for NATS
    assert sorted(wallet) == sorted(issued)  # nothing lost, nothing twice
    assert len(log["records"]) == verified == 6
    assert log["chain"]["intact"] is True
    assert {events[licence_id] for licence_id in issued} == {1}


async def test_issuance_killed_while_verifications_run(drive: Mesh) -> None:
    """SIGKILL the issuance service (the issuer) while verifications run: every caller gets
    the right outcome (online, or offline from the cached keys and status list, labelled
    with its age) or a 503 issuer_unavailable — never a wrong answer."""
    holder = _holder()
    valid = (await drive.issue(holder, f"kill-valid-{holder[-6:]}")).json()
    revoked = (await drive.issue(holder, f"kill-revoked-{holder[-6:]}")).json()
    response = await drive.http.post(
        f"{drive.url('issuance')}/v1/licences/{revoked['licence_id']}/revoke",
        json={"reason": "故障测试：撤销", "kind": "annulled"},
        headers=drive.auth("manager"),
    )
    assert response.status_code == 200, response.text
    qr: dict[str, str] = {}
    for licence in (valid, revoked):
        response = await drive.http.get(
            f"{drive.url('issuance')}/v1/licences/{licence['licence_id']}/qr",
            headers=drive.auth("manager"),
        )
        assert response.status_code == 200, response.text
        qr[licence["licence_id"]] = response.json()["payload"]
    await drive.settle()  # the status list and keys reached verification
    expected = {valid["licence_id"]: "valid", revoked["licence_id"]: "revoked"}

    results: list[tuple[str, str, int, str, str]] = []  # phase, licence, status, mode, outcome
    phase = "before"

    async def caller(licence_id: str, use_qr: bool, stop: asyncio.Event) -> None:
        while not stop.is_set():
            asked_in = phase
            response = await drive.verify(
                licence_id, holder, qr=qr[licence_id] if use_qr else None, offline=use_qr
            )
            # A request still in flight when the phase changed (e.g. sent just before the
            # kill) belongs to neither phase: label it with both.
            stage = asked_in if phase == asked_in else f"{asked_in}→{phase}"
            body = response.json()
            if response.status_code == 200:
                results.append((stage, licence_id, 200, body["mode"], body["outcome"]))
                if body["mode"] == "offline":
                    assert body["offline"]["status_list_age_seconds"] >= 0
            else:
                assert response.headers["content-type"].startswith("application/problem+json")
                results.append((stage, licence_id, response.status_code, "", body["type"]))
            await asyncio.sleep(0.1)

    stop = asyncio.Event()
    callers = [
        asyncio.create_task(caller(licence_id, use_qr, stop))
        for licence_id in expected
        for use_qr in (True, False)
    ]
    try:
        await asyncio.sleep(1.5)
        phase = "down"
        drive.issuance.kill()
        killed_at = time.monotonic()
        await asyncio.sleep(3)
        phase = "restarting"
        drive.issuance.start()
        drive_ready = await asyncio.to_thread(drive.issuance.wait_ready)
        phase = "after"
        ready_at = time.monotonic()

        async def online_again() -> bool:
            return any(r[0] == "after" and r[3] == "online" for r in results)

        await wait_until(online_again, timeout=60, interval=0.2, message="online answers again")
        online_after = time.monotonic() - ready_at
        await asyncio.sleep(0.5)
    finally:
        stop.set()
        await asyncio.gather(*callers)
    down_for = time.monotonic() - killed_at
    summary = Counter((r[0], r[2], r[3] or r[4].rsplit("/", 1)[-1]) for r in results)
    print(
        f"\nissuance fault: issuance (the issuer) SIGKILLed, restarted, ready again in "
        f"{drive_ready:.1f}s ({down_for:.1f}s in all), online answers {online_after:.1f}s "
        f"after it was ready; {len(results)} verifications: "
        + ", ".join(
            f"{stage}/{status}/{how}: {n}" for (stage, status, how), n in sorted(summary.items())
        )
    )
    wrong = [r for r in results if r[2] == 200 and r[4] != expected[r[1]]]
    assert not wrong, wrong  # never a wrong answer
    refusals = {(r[2], r[4].rsplit("/", 1)[-1]) for r in results if r[2] != 200}
    assert refusals <= {(503, "issuer_unavailable")}, refusals
    down = [r for r in results if r[0] == "down"]
    assert any(r[3] == "offline" for r in down), "no offline answer while the issuer was down"
    assert any(r[2] == 503 for r in down), "no issuer_unavailable while the issuer was down"
    before = [r for r in results if r[0] == "before"]
    assert before, "no verification answered before the kill"
    # the issuer up: whatever was answered came from it (a 503 is slow, never wrong)
    assert all(r[3] == "online" for r in before if r[2] == 200), before


async def test_restart_with_undelivered_outbox_rows(drive: Mesh) -> None:
    """Stop NATS, issue (the events wait in issuance's outbox), stop issuance, start NATS,
    start issuance: its relay publishes the waiting rows, each delivered once."""
    holder = _holder()
    drive.nats.stop()
    issued = []
    for n in range(3):
        response = await drive.issue(holder, f"outbox-fault-{n}-{holder[-6:]}")
        assert response.status_code == 201, response.text
        issued.append(response.json()["licence_id"])
    waiting = await drive.outbox_pending("issuance")
    drive.issuance.stop()
    drive.nats.start()
    drive.issuance.start()
    ready_in = await asyncio.to_thread(drive.issuance.wait_ready)

    async def all_in_wallet() -> bool:
        return len(await drive.wallet_ids(holder)) >= len(issued)

    waited = await wait_until(all_in_wallet, timeout=60, interval=0.3, message="wallet")
    await drive.settle()
    wallet = await drive.wallet_ids(holder)
    events = await drive.issued_events()
    left = await drive.outbox_pending("issuance")
    print(
        f"\noutbox fault: {waiting} events waited in issuance's outbox while NATS was down; "
        f"issuance restarted (ready in {ready_in:.1f}s) and they reached the wallet "
        f"{waited:.1f}s later; JetStream holds {[events[i] for i in issued]} issued event(s) "
        f"per licence; {left} left in the outbox"
    )
    assert waiting >= len(issued)
    assert sorted(wallet) == sorted(issued)
    assert [events[i] for i in issued] == [1, 1, 1]
    assert left == 0


class _Forwarder:
    """A TCP port that, once opened, forwards to the real PostgreSQL: the database
    "appearing" at the address the service was configured with."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port = port
        self.target = target
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    def open(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        server.settimeout(0.2)
        self._server = server
        self._spawn(self._accept)

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            self._spawn(self._pipe, client, upstream)
            self._spawn(self._pipe, upstream, client)

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._stop.set()
        for sock in [*self._sockets, *([self._server] if self._server else [])]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)


async def test_database_unavailable_at_start(
    private_nats_server: NatsServerProcess, tmp_path: Path
) -> None:
    """A service whose PostgreSQL URL points at a closed port: its migrations fail and it
    does not become ready, saying why; once the database is there (under
    WUZHENG_TEST_POSTGRES: the same URL starts answering; otherwise: the URL is fixed to a
    SQLite file), it migrates and starts."""
    port = free_port_block(2)
    admin = postgres_admin_url()
    scratch = await create_scratch_database(admin, prefix="wz_dbfault") if admin else None
    name = make_url(scratch).database if scratch else "wz_dbfault"
    closed = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/{name}"
    service = LocalService("dispute", port + 1, "异议投诉 dispute")
    ensure_dev_signing_key(tmp_path)
    env = {
        **clean_env(dict(os.environ)),
        "WUZHENG_VAR_DIR": str(tmp_path),
        "NATS_URL": private_nats_server.url,
        "DISPUTE_HOST": "127.0.0.1",
        "DISPUTE_PORT": str(service.port),
        "DISPUTE_DATABASE_URL": closed,
    }
    process = ServiceProcess(service, env, tmp_path / "dispute.log")
    forwarder = None
    try:
        migrated = await asyncio.to_thread(process.migrate)
        assert migrated.returncode != 0
        assert "ConnectionRefusedError" in migrated.stdout + migrated.stderr
        process.start()
        started = time.monotonic()
        while process.process is not None and process.process.poll() is None:
            status, _ = process.readiness()
            assert status != 200, "ready without a database"
            assert time.monotonic() - started < 60, "neither ready nor stopped in 60s"
            await asyncio.sleep(0.3)
        assert process.process is not None
        exit_code = process.process.returncode
        log = process.log.read_text(errors="replace")
        steps = [json.loads(line)["message"] for line in log.splitlines() if line.startswith("{")]
        starting = [m for m in steps if m.startswith("starting ")]
        assert starting[-1] == "starting database", starting
        assert "Connection refused" in log or "ConnectionRefusedError" in log
        assert exit_code != 0
        if admin is not None:
            admin_url = make_url(admin)
            forwarder = _Forwarder(port, (admin_url.host or "127.0.0.1", admin_url.port or 5432))
            forwarder.open()
            how = f"PostgreSQL appeared at 127.0.0.1:{port} (forwarded to the real server)"
        else:
            process.env["DISPUTE_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}"
            how = "the URL was fixed to a SQLite file (no WUZHENG_TEST_POSTGRES)"
        migrated = await asyncio.to_thread(process.migrate)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        process.start()
        ready_in = await asyncio.to_thread(process.wait_ready, 90)
        print(
            f"\ndatabase fault: with {closed} the migrations failed (ConnectionRefusedError) "
            f"and the service stopped with exit code {exit_code} after 'starting database', "
            f"never ready; then {how}: migrated and ready in {ready_in:.1f}s"
        )
    finally:
        process.stop()
        if forwarder is not None:
            forwarder.close()
        if admin and scratch:
            await drop_database(admin, scratch)
