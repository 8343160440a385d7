"""Verifications per second, online and offline, against a bare FastAPI POST in the same run.

    python -m wuzheng.verification.bench [--postgres ADMIN_URL] [--nats-url URL]
                                         [--duration 5] [--connections 16 64] [--peer]
                                         [--licences 100] [--replicas 1] [--profile FILE]

Everything runs as real processes on 127.0.0.1: ``nats-server`` (unless ``--nats-url``), the
issuance service (or, with ``--peer``, a stand-alone issuer responder,
:class:`~wuzheng.verification.testing.IssuerPeer`), the verification service and a bare
FastAPI app — each ``uvicorn`` with one worker — on SQLite files in a temporary directory,
or on scratch PostgreSQL databases (created, then dropped) with ``--postgres``. The load
comes from this process: ``connections`` keep-alive HTTP/1.1 connections, each sending its
next request as soon as the previous answer arrived, for ``duration`` seconds after a warm-up.

1. **baseline**: ``POST /echo`` of the bare app (a pydantic body, a JSON answer);
   **hop**: the same POST of a second bare app that answers only after one NATS
   request-reply (to a responder in the load process) — the floor any verification routed
   to an in-mesh issuer stands on, so a report shows how much of the gap is the routing
   and how much the service's own work; **issuer hop**: the hop app forwarding the very
   question the verification service asks to the issuer's ``verify.<issuer>`` and
   returning its reply unchecked — the most an online verification could reach with the
   verification service's own work (identifier, entitlement, signature check, record)
   costing nothing;
2. **online**: ``POST /v1/verifications`` for 100 licences issued by the issuer: routed over
   NATS request-reply to ``verify.<issuer>``, the signed answer checked, the access record
   appended (hash chain, usage row, outbox event) before the answer;
3. **offline**: the issuer stopped; ``allow_offline`` with each licence's QR form: the circuit
   is open, the seal and the issuer's status list are checked, the record appended.

Each figure: requests/s, p50 and p99 latency (ms), the ratio to the baseline at the same
number of connections, and ``cpu_ms_per_request``: the CPU time each process (and the whole
machine) spent per request while it was measured (the hop's responder counts in the load
client's) — where the time goes, and how much other
load shared the machine. Only non-2xx answers are counted as errors (and reported).
``--profile FILE`` runs the verification service under cProfile.

``--replicas N`` runs N processes of each app (verification, issuance, and the bare and hop
apps of the references, so the ratios stay like for like) and spreads the connections over
them, as a Kubernetes Service spreads them over pods: whether more cores help, or the CPU
each verification costs is the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from nats import connect as connect_nats
from nats.aio.msg import Msg
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from stdnum.cn import ric

from wuzheng.auth import ensure_dev_signing_key, mint_token
from wuzheng.contracts import EventEnvelope, EventPayload
from wuzheng.contracts.verify import IssuerVerifyReply, IssuerVerifyRequest
from wuzheng.db import run_on_connection
from wuzheng.messaging import NatsConnection, mesh_topology
from wuzheng.messaging.server import NatsServerProcess, free_port
from wuzheng.verification.testing import (
    ID_CARD,
    PUBLIC_SECURITY,
    IssuerPeer,
    catalogue_events,
)

__all__ = ["bare_app", "hop_app", "run_bench"]

HOST = "127.0.0.1"
LICENCES = 100
# Where the hop app (a process of its own) finds NATS and the responder's subject.
HOP_NATS_URL_ENV = "WUZHENG_BENCH_HOP_NATS_URL"
HOP_SUBJECT_ENV = "WUZHENG_BENCH_HOP_SUBJECT"
HOP_ISSUER_SUBJECT_ENV = "WUZHENG_BENCH_HOP_ISSUER_SUBJECT"
_JSON_HEADERS = {"Content-Type": "application/json"}

# ``serve`` under cProfile; the stats are written when SIGTERM ends the server (uvicorn
# re-raises the signal after its graceful shutdown: a no-op handler lets the dump happen).
_PROFILED = """
import cProfile, runpy, signal, sys
signal.signal(signal.SIGTERM, lambda *_: None)
module, out = sys.argv[1], sys.argv[2]
sys.argv = [module, "serve"]
profiler = cProfile.Profile()
profiler.enable()
try:
    runpy.run_module(module, run_name="__main__")
except SystemExit:
    pass
finally:
    profiler.disable()
    profiler.dump_stats(out)
"""


# -- the baseline app ---------------------------------------------------------------------


class _Echo(BaseModel):
    licence_id: str
    holder: str
    item_seq_no: int
    purpose: str


def bare_app() -> FastAPI:
    """The baseline: one FastAPI POST with a pydantic body and a JSON answer."""
    app = FastAPI()

    @app.post("/echo")
    async def echo(body: _Echo) -> dict[str, Any]:
        return {"ok": True, "licence_id": body.licence_id, "item_seq_no": body.item_seq_no}

    return app


def hop_app() -> FastAPI:
    """The two floors, each a POST answered after one NATS request-reply with a bare client
    (server and subjects from the environment, see :data:`HOP_SUBJECT_ENV`):

    - ``/echo``, the routing floor: the baseline's POST, answered by a responder that only
      echoes;
    - ``/ask``, the issuer floor: the question a verification sends its issuer, forwarded
      to the issuer's own ``verify.<issuer>`` and its reply returned as it came, the
      signature unchecked and nothing recorded — all of an online verification except
      the verification service's own work.
    """
    url, subject = os.environ[HOP_NATS_URL_ENV], os.environ[HOP_SUBJECT_ENV]
    issuer_subject = os.environ[HOP_ISSUER_SUBJECT_ENV]

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.nats = await connect_nats(url, name="wuzheng-bench-hop")
        try:
            yield
        finally:
            await app.state.nats.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/echo")
    async def echo(body: _Echo, request: Request) -> dict[str, Any]:
        reply = await request.app.state.nats.request(subject, body.licence_id.encode(), 5.0)
        return {"ok": True, "licence_id": body.licence_id, "answer": reply.data.decode()}

    @app.post("/ask")
    async def ask(question: IssuerVerifyRequest, request: Request) -> Response:
        reply = await request.app.state.nats.request(
            issuer_subject, question.model_dump_json().encode(), 5.0, headers=_JSON_HEADERS
        )
        # Like the service, read the reply: a problem or no signed answer is an error here.
        answered = IssuerVerifyReply.model_validate_json(reply.data)
        status = 200 if answered.answer and answered.problem is None else 502
        return Response(reply.data, status_code=status, media_type="application/json")

    return app


async def _respond(message: Msg) -> None:
    await message.respond(b"valid:" + message.data)


# -- load ---------------------------------------------------------------------------------


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter[int]
    by_port: Counter[int] = field(default_factory=Counter)  # answers counted, by replica

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms) or [0.0]

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * (len(ordered) - 1)))], 2)

        return {
            "rps": round(self.requests / self.seconds, 1),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(ordered), 2),
            "requests": self.requests,
            "errors": sum(n for code, n in self.statuses.items() if not 200 <= code < 300),
            "statuses": {str(code): n for code, n in sorted(self.statuses.items())},
            **(
                {"per_replica": [n for _, n in sorted(self.by_port.items())]}
                if len(self.by_port) > 1
                else {}
            ),
        }


def _request(port: int, path: str, body: bytes, token: str | None) -> bytes:
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if token:
        head.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _connection(
    port: int, requests: Sequence[bytes], start_at: float, stop_at: float, result: LoadResult
) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    index = secrets.randbelow(len(requests))
    try:
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            writer.write(requests[index % len(requests)])
            index += 1
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            done = time.perf_counter()
            if now >= start_at:
                result.requests += 1
                result.latencies_ms.append((done - now) * 1000)
                result.statuses[int(head[9:12])] += 1
                result.by_port[port] += 1
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def load(
    ports: Sequence[int],
    requests: Sequence[bytes],
    connections: int,
    duration: float,
    warmup: float = 1.0,
    watch: Mapping[str, Sequence[int]] | None = None,
) -> dict[str, Any]:
    """``connections`` closed-loop clients for ``duration`` s after ``warmup`` s, spread
    over ``ports`` in turn; with ``watch`` (name → pids), the CPU each named group of
    processes used per request while measuring."""
    result = LoadResult(0, duration, [], Counter(), Counter(dict.fromkeys(ports, 0)))
    start_at = time.perf_counter() + warmup
    stop_at = start_at + duration
    tasks = [
        asyncio.create_task(_connection(ports[i % len(ports)], requests, start_at, stop_at, result))
        for i in range(connections)
    ]
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    pids = {**(watch or {}), "load client": [os.getpid()]}

    def cpu(name: str) -> float:
        return sum(cpu_seconds(pid) for pid in pids[name])

    before = {name: cpu(name) for name in pids}
    machine = machine_cpu_seconds()
    await asyncio.gather(*tasks)
    summary = result.summary()
    if watch is not None and result.requests:
        per_request = {
            name: round((cpu(name) - before[name]) * 1000 / result.requests, 3) for name in pids
        }
        per_request["whole machine"] = round(
            (machine_cpu_seconds() - machine) * 1000 / result.requests, 3
        )
        summary["cpu_ms_per_request"] = per_request
    return summary


# -- processes ----------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``); 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time every process of the machine used so far (busy, not idle)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class _Process:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class _Run:
    def __init__(self, workdir: Path, nats_url: str, namespace: str) -> None:
        self.workdir = workdir
        self.nats_url = nats_url
        self.namespace = namespace
        self.processes: list[_Process] = []

    def env(self, service: str, database_url: str, port: int) -> dict[str, str]:
        prefix = service.upper()
        return {
            **os.environ,
            "WUZHENG_ENV": "dev",
            "WUZHENG_VAR_DIR": str(self.workdir),
            "WUZHENG_LOG_LEVEL": "WARNING",
            "NATS_URL": self.nats_url,
            "WUZHENG_NATS_NAMESPACE": self.namespace,
            f"{prefix}_DATABASE_URL": database_url,
            f"{prefix}_PORT": str(port),
        }

    def start(self, name: str, command: list[str], env: dict[str, str], port: int) -> _Process:
        log = self.workdir / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
                command, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        started = _Process(name, process, port, log)
        self.processes.append(started)
        return started

    def service(self, service: str, database_url: str, profile: Path | None = None) -> _Process:
        port = free_port()
        env = self.env(service, database_url, port)
        module = f"wuzheng.{service}"
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", module, "migrate"],
            env=env,
            check=True,
            capture_output=True,
        )
        if profile is not None:
            command = [sys.executable, "-c", _PROFILED, module, str(profile)]
        else:
            command = [sys.executable, "-m", module, "serve"]
        return self.start(service, command, env, port)

    def bare(self, factory: str = "bare_app", env: Mapping[str, str] | None = None) -> _Process:
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            f"wuzheng.verification.bench:{factory}",
            "--host",
            HOST,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        return self.start(factory, command, {**os.environ, **(env or {})}, port)

    def hop(self, subject: str, issuer_subject: str) -> _Process:
        return self.bare(
            "hop_app",
            {
                HOP_NATS_URL_ENV: self.nats_url,
                HOP_SUBJECT_ENV: subject,
                HOP_ISSUER_SUBJECT_ENV: issuer_subject,
            },
        )

    def stop_all(self) -> None:
        while self.processes:
            self.processes.pop().stop()


async def _ready(process: _Process, path: str = "/healthz", timeout: float = 60.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.process.poll() is not None:
                raise RuntimeError(f"{process.name} exited: see {process.log}")
            with contextlib.suppress(httpx.HTTPError):
                response = await client.get(f"http://{HOST}:{process.port}{path}")
                if response.status_code < 500:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{process.name} not ready within {timeout}s: see {process.log}")


# -- databases ----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _databases(workdir: Path, admin_url: str | None) -> AsyncIterator[dict[str, str]]:
    names = ("verification", "issuance")
    if admin_url is None:
        yield {name: f"sqlite+aiosqlite:///{workdir / f'{name}.sqlite3'}" for name in names}
        return
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    created: dict[str, str] = {}
    try:
        async with engine.connect() as connection:
            for name in names:
                database = f"wz_bench_{name}_{secrets.token_hex(4)}"
                await connection.execute(text(f'CREATE DATABASE "{database}"'))
                created[name] = (
                    make_url(admin_url).set(database=database).render_as_string(hide_password=False)
                )
        yield created
    finally:
        async with engine.connect() as connection:
            for url in created.values():
                await connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
                )
        await engine.dispose()


# -- the scenario -------------------------------------------------------------------------


def _resident_id(n: int) -> str:
    """A valid 公民身份号码 of Anqiu (370784), born 1990-01-01, numbered ``n``."""
    body = f"37078419900101{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum reads the first 17 digits


async def _publish(nats: NatsConnection, namespace: str, payloads: list[EventPayload]) -> None:
    topology = mesh_topology(namespace=namespace)
    for payload in payloads:
        envelope = EventEnvelope.wrap(payload, source="/wuzheng/bench")
        await nats.js.publish(
            topology.subject(envelope.nats_subject),
            envelope.to_bytes(),
            headers=envelope.nats_headers(),
        )


async def _until(check: Any, what: str, timeout: float = 60.0) -> Any:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not within {timeout}s")
        await asyncio.sleep(0.2)


@dataclass
class _Issued:
    licence_id: str
    holder: str
    qr: str


async def _issue_with_issuance(
    client: httpx.AsyncClient, base: str, token: str, n: int
) -> list[_Issued]:
    headers = {"Authorization": f"Bearer {token}"}
    issued: list[_Issued] = []
    until = (date.today() + timedelta(days=3650)).isoformat()
    for i in range(n):
        holder = f"111:{_resident_id(i)}"
        body = {
            "type_code": ID_CARD,
            "holder": holder,
            "fields": {"holder_name": f"居民{i}", "address": "安丘市"},
            "valid_from": "2024-01-01",
            "valid_until": until,
            "idempotency_key": f"bench-{i}",
        }

        async def attempt(body: dict[str, Any] = body) -> Any:
            response = await client.post(f"{base}/v1/licences", json=body, headers=headers)
            return response.json() if response.status_code == 201 else None

        licence = await _until(attempt, "issuance ready to issue")
        qr = await client.get(f"{base}/v1/licences/{licence['licence_id']}/qr", headers=headers)
        qr.raise_for_status()
        issued.append(_Issued(licence["licence_id"], holder, qr.json()["payload"]))
    return issued


def _bodies(issued: Sequence[_Issued], port: int, token: str, *, offline: bool) -> list[bytes]:
    requests = []
    for licence in issued:
        body: dict[str, Any] = {
            "holder": licence.holder,
            "item_seq_no": 5,
            "purpose": "性能测试 benchmark",
        }
        if offline:
            body.update(qr=licence.qr, allow_offline=True)
        else:
            body["licence_id"] = licence.licence_id
        requests.append(_request(port, "/v1/verifications", json.dumps(body).encode(), token))
    return requests


async def run_bench(
    *,
    postgres: str | None = None,
    nats_url: str | None = None,
    duration: float = 5.0,
    connections: Sequence[int] = (16, 64),
    peer: bool = False,
    licences: int = LICENCES,
    profile: Path | None = None,
    databases: dict[str, str] | None = None,
    replicas: int = 1,
) -> dict[str, Any]:
    """Run the three measurements; returns the figures (see the module docstring).

    ``databases``: empty databases to use (``{"verification": url, "issuance": url}``)
    instead of SQLite files or scratch databases made from ``postgres``. ``profile``: run
    the verification service under cProfile, its stats written there."""
    with tempfile.TemporaryDirectory(prefix="wz-bench-") as tmp, _nats(nats_url) as url:
        workdir = Path(tmp)
        ensure_dev_signing_key(workdir)
        namespace = f"bench{secrets.token_hex(4)}"
        run = _Run(workdir, url, namespace)
        nats = NatsConnection(
            url, client_name="wuzheng-bench", topology=mesh_topology(namespace=namespace)
        )
        await nats.start()
        try:
            if databases is not None:
                return await _scenario(
                    run, nats, databases, duration, connections, peer, licences, profile, replicas
                )
            async with _databases(workdir, postgres) as made:
                return await _scenario(
                    run, nats, made, duration, connections, peer, licences, profile, replicas
                )
        finally:
            run.stop_all()
            await nats.stop()


@contextlib.contextmanager
def _nats(url: str | None) -> Iterator[str]:
    if url is not None:
        yield url
        return
    with NatsServerProcess() as server:
        yield server.url


async def _scenario(
    run: _Run,
    nats: NatsConnection,
    databases: dict[str, str],
    duration: float,
    connections: Sequence[int],
    use_peer: bool,
    licences: int,
    profile: Path | None,
    replicas: int,
) -> dict[str, Any]:
    workdir = run.workdir
    bares = [run.bare() for _ in range(replicas)]
    hops = await _hop_apps(run, nats, replicas)
    verifications = [
        run.service("verification", databases["verification"], profile if i == 0 else None)
        for i in range(replicas)
    ]
    stand_in = IssuerPeer(PUBLIC_SECURITY, "public-security")
    issuances = (
        []
        if use_peer
        else [run.service("issuance", databases["issuance"]) for _ in range(replicas)]
    )
    for process in [*bares, *hops]:
        await _ready(process, "/docs")
    for process in [*verifications, *issuances]:
        await _ready(process)
    await _publish(nats, run.namespace, catalogue_events())

    async with httpx.AsyncClient(timeout=30) as client:
        if issuances:
            token = mint_token(
                workdir,
                department="public-security",
                scopes=["licences:issue", "licences:read"],
                operator="bench",
            )
            issued = await _issue_with_issuance(
                client, f"http://{HOST}:{issuances[0].port}", token, licences
            )
        else:
            await stand_in.attach(nats, _issuer_subject(run))
            await _publish(nats, run.namespace, [stand_in.served()])
            issued = []
            for i in range(licences):
                licence = stand_in.issue(
                    ID_CARD, f"111:{_resident_id(i)}", {"holder_name": f"居民{i}"}
                )
                issued.append(_Issued(licence.licence_id, licence.holder, stand_in.qr(licence)))

        counter = mint_token(
            workdir, department="civil-affairs", scopes=["verify:request"], operator="bench"
        )
        first = {
            "holder": issued[0].holder,
            "item_seq_no": 5,
            "purpose": "预热",
            "licence_id": issued[0].licence_id,
        }

        async def every_replica_answers(body: dict[str, Any], what: str) -> None:
            # Warm-up outside the measurement: the first offline answer of each replica
            # waits out the issuer's timeout before its circuit opens.
            for process in verifications:

                async def answered(port: int = process.port) -> bool:
                    response = await client.post(
                        f"http://{HOST}:{port}/v1/verifications",
                        json=body,
                        headers={"Authorization": f"Bearer {counter}"},
                    )
                    return response.status_code == 200

                await _until(answered, what)

        async with _questions_seen(nats, run) as question:
            await every_replica_answers(first, "the verification service routing to the issuer")
            asked = await asyncio.wait_for(question, 10)
        verification_watch = {"verification": [process.process.pid for process in verifications]}
        # The issuer floor's CPU: the hop app's and the issuer's (the verification idles).
        floor_watch = {"hop app": [process.process.pid for process in hops]}
        if issuances:
            issuance_pids = [process.process.pid for process in issuances]
            verification_watch["issuance"] = floor_watch["issuance"] = issuance_pids
        echo_body = json.dumps(
            {
                "licence_id": issued[0].licence_id,
                "holder": issued[0].holder,
                "item_seq_no": 5,
                "purpose": "x",
            }
        ).encode()
        baseline = _Target.echo(bares, echo_body, "bare app")
        compared = {
            "hop": _Target.echo(hops, echo_body, "hop app"),
            "issuer_hop": _Target(hops, _questions(asked, issued, hops[0].port), floor_watch),
            "online": _Target(
                verifications,
                _bodies(issued, verifications[0].port, counter, offline=False),
                verification_watch,
            ),
        }
        results: dict[str, Any] = {
            "database": "postgresql" if "postgresql" in databases["verification"] else "sqlite",
            "issuer": "peer" if use_peer else "issuance",
            "duration_s": duration,
            "licences": len(issued),
            "replicas": replicas,
            "runs": {},
        }
        for n in connections:
            measured = await baseline.load(n, duration)
            results["runs"][str(n)] = {
                "baseline": measured,
                **await _compared(compared, n, duration, measured),
            }

        # Offline: the issuer gone, its latest status list at hand.
        if not issuances:
            await _publish(nats, run.namespace, [stand_in.status_list()])
        await _until(
            lambda: _has_status_list(databases["verification"]), "the issuer's status list"
        )
        if issuances:
            for process in issuances:
                process.stop()
        else:
            await stand_in.detach()
        await every_replica_answers(
            {**first, "licence_id": None, "qr": issued[0].qr, "allow_offline": True},
            "an offline answer",
        )
        offline = _Target(
            verifications,
            _bodies(issued, verifications[0].port, counter, offline=True),
            verification_watch,
        )
        for n in connections:
            run_n = results["runs"][str(n)]
            run_n.update(await _compared({"offline": offline}, n, duration, run_n["baseline"]))
    return results


async def _hop_apps(run: _Run, nats: NatsConnection, replicas: int) -> list[_Process]:
    """The hop app's replicas, and the routing floor's responder: a subscription of the
    load process (the issuer floor's is the issuer's)."""
    subject = f"{run.namespace}.bench.hop"
    await nats.nc.subscribe(subject, cb=_respond)
    return [run.hop(subject, _issuer_subject(run)) for _ in range(replicas)]


def _issuer_subject(run: _Run) -> str:
    return f"{run.namespace}.verify.{PUBLIC_SECURITY}"


@contextlib.asynccontextmanager
async def _questions_seen(
    nats: NatsConnection, run: _Run
) -> AsyncIterator[asyncio.Future[dict[str, Any]]]:
    """The first question a verification service sends the issuer, as it was sent: a
    plain subscription beside the issuer's queue group sees a copy and does not answer."""
    seen: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    async def keep(message: Msg) -> None:
        if not seen.done():
            seen.set_result(json.loads(message.data))

    subscription = await nats.nc.subscribe(_issuer_subject(run), cb=keep)
    try:
        yield seen
    finally:
        await subscription.unsubscribe()


def _questions(question: Mapping[str, Any], issued: Sequence[_Issued], port: int) -> list[bytes]:
    """``question`` asked of each licence (its identifier, holder and a nonce of its own)."""
    return [
        _request(
            port,
            "/ask",
            json.dumps(
                {
                    **question,
                    "licence_id": licence.licence_id,
                    "holder": licence.holder,
                    "nonce": secrets.token_urlsafe(18),
                }
            ).encode(),
            None,
        )
        for licence in issued
    ]


@dataclass(frozen=True)
class _Target:
    """What one figure loads: an app's replicas, the requests its connections send in
    turn, and the processes (by name) whose CPU is counted."""

    replicas: Sequence[_Process]
    requests: Sequence[bytes]
    watch: Mapping[str, Sequence[int]]

    @classmethod
    def echo(cls, replicas: Sequence[_Process], body: bytes, name: str) -> _Target:
        """``POST /echo`` of a reference app (bare or hop), over all its replicas."""
        pids = [process.process.pid for process in replicas]
        return cls(replicas, [_request(replicas[0].port, "/echo", body, None)], {name: pids})

    async def load(self, connections: int, duration: float) -> dict[str, Any]:
        ports = [process.port for process in self.replicas]
        return await load(ports, self.requests, connections, duration, watch=self.watch)


async def _compared(
    targets: Mapping[str, _Target], connections: int, duration: float, baseline: Mapping[str, Any]
) -> dict[str, Any]:
    """Each target measured in turn, with its ratio to ``baseline`` (the same connections)."""
    figures: dict[str, Any] = {}
    for name, target in targets.items():
        measured = await target.load(connections, duration)
        figures[name] = {**measured, "ratio": round(measured["rps"] / baseline["rps"], 3)}
    return figures


async def _has_status_list(database_url: str) -> bool:
    def count(connection: Connection) -> int:
        return int(connection.scalar(text("SELECT count(*) FROM status_lists")) or 0)

    return await run_on_connection(database_url, count) > 0


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="PostgreSQL admin URL (scratch databases)")
    parser.add_argument("--nats-url", help="An existing NATS (default: a private nats-server)")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--peer", action="store_true", help="A stand-alone issuer responder")
    parser.add_argument("--licences", type=int, default=LICENCES)
    parser.add_argument(
        "--replicas",
        type=_at_least_one,
        default=1,
        help="Processes of each app, the connections spread over them (default 1)",
    )
    parser.add_argument("--profile", type=Path, help="cProfile the (first) verification service")
    args = parser.parse_args(argv)
    result = asyncio.run(
        run_bench(
            postgres=args.postgres,
            nats_url=args.nats_url,
            duration=args.duration,
            connections=args.connections,
            peer=args.peer,
            licences=args.licences,
            profile=args.profile,
            replicas=args.replicas,
        )
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
