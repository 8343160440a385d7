"""What issuing and answering for licences costs, each beside its baseline in the same run.

    python -m wuzheng.issuance.bench [-n 2000] [--verify 2000] [--concurrency 16]
                                     [--database-url URL] [--nats-url URL]

The issuance service runs as its own process (``python -m wuzheng.issuance serve``), as in
production, on a fresh database (a temporary SQLite file, or ``--database-url``) and NATS (a
private ``nats-server``, or ``--nats-url``) in a namespace of its own; the sample catalog
reaches it as real ``catalog.*`` events.

1. **Bulk issuance**: ``n`` licences through ``POST /v1/licences:batch`` (1,000 a request,
   one request at a time), each validated, sealed (Ed25519 compact JWS), stored with its
   history and status-list index and its ``certificate.licence.issued`` event in one
   transaction, then relayed to JetStream; the clock stops when the last event has been
   delivered to a subscriber. Baseline: the raw Ed25519 signing rate over the same canonical
   payloads, in this process (and the full compact-JWS sealing rate beside it).
2. **Issuer verification**: ``--verify`` requests over NATS request-reply on
   ``verify.<issuer>`` with ``--concurrency`` in flight (each answer a database lookup and a
   signed JWS), against a bare FastAPI POST (another process, uvicorn, the same concurrency,
   an ``httpx`` client) — and, for reference, the same verification over REST.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from nats.aio.msg import Msg

from wuzheng.auth import ensure_dev_signing_key, mint_token
from wuzheng.contracts.verify import ANSWER_JWS_TYPE
from wuzheng.db import Database, migrate
from wuzheng.issuance.licences.document import build_document, seal_claims
from wuzheng.issuance.readmodel.service import counts
from wuzheng.issuance.seals import canonical_json, generate_seal_key, sign_compact, verify_compact
from wuzheng.issuance.testing import (
    BUSINESS_LICENCE,
    DEPARTMENTS,
    business_licence_fields,
    catalog_events,
    licence_type_events,
    organisation,
    publish,
)
from wuzheng.messaging import NatsConnection, mesh_topology, request
from wuzheng.messaging.server import NatsServerProcess, free_port
from wuzheng.messaging.testing import wait_until

__all__ = ["create_bare_app", "run_bench"]

DEPARTMENT = "market-regulation"
ISSUER = DEPARTMENTS[DEPARTMENT][1]
BATCH = 1000


def create_bare_app() -> FastAPI:
    """The baseline: a FastAPI POST that answers a small JSON body and does nothing else."""
    app = FastAPI()

    @app.post("/echo")
    async def echo(body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "nonce": body.get("nonce")}

    return app


# -- processes ----------------------------------------------------------------------------


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready within {timeout}s")


@contextlib.contextmanager
def _processes(*specs: tuple[list[str], str, Path], env: dict[str, str]) -> Iterator[None]:
    """Start every ``(args, ready_url, log)`` at once, wait until each is ready, and stop
    them (by PID) when the block ends."""
    with contextlib.ExitStack() as stack:
        started: list[tuple[subprocess.Popen[bytes], str]] = []
        try:
            for args, ready_url, log in specs:
                out = stack.enter_context(log.open("wb"))
                process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
                    args, env=env, stdout=out, stderr=subprocess.STDOUT
                )
                started.append((process, ready_url))
            for process, ready_url in started:
                _wait_http(ready_url, process)
            yield
        finally:
            for process, _ in started:
                process.terminate()
            for process, _ in started:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextlib.asynccontextmanager
async def _nats(url: str | None, directory: Path) -> AsyncIterator[str]:
    if url is not None:
        yield url
        return
    server = NatsServerProcess(store_dir=directory / "nats", log_file=directory / "nats.log")
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


# -- baselines ----------------------------------------------------------------------------


def _payloads(n: int) -> list[dict[str, Any]]:
    today = date.today()
    documents = []
    for i in range(n):
        holder = organisation(i)
        documents.append(
            build_document(
                licence_id=f"1.2.156.3005.2.{BUSINESS_LICENCE}.{ISSUER}.{today.year}{i:08d}.001.0",
                licence_no=f"001{today.year}{i:08d}",
                version=1,
                type_code=BUSINESS_LICENCE,
                type_name="营业执照",
                issuer_code=ISSUER,
                issuer_name=DEPARTMENTS[DEPARTMENT][0],
                department=DEPARTMENT,
                holder=holder,
                valid_from=today,
                valid_until=None,
                issued_on=today,
                fields=business_licence_fields(i),
                seals=[DEPARTMENT],
                previous=None,
            )
        )
    return documents


def signing_rates(n: int) -> dict[str, float]:
    """Raw Ed25519 signatures per second over canonical licence claims, and full compact-JWS
    seals per second (canonical form + JWS encoding + signature)."""
    key = generate_seal_key()
    documents = _payloads(n)
    claims = [
        seal_claims(d, ISSUER, datetime.now(UTC), {"status_list": {"idx": i, "uri": "u"}})
        for i, d in enumerate(documents)
    ]
    messages = [canonical_json(c) for c in claims]
    started = time.perf_counter()
    for message in messages:
        key.sign(message)
    raw = n / (time.perf_counter() - started)
    started = time.perf_counter()
    for claim in claims:
        sign_compact(claim, key)
    sealed = n / (time.perf_counter() - started)
    return {"raw_ed25519_signatures_per_s": round(raw), "compact_jws_seals_per_s": round(sealed)}


async def _rate(
    n: int, concurrency: int, one: Callable[[int], Awaitable[None]]
) -> tuple[float, float]:
    """Run ``one(i)`` for i < n with ``concurrency`` in flight; (per second, p50 ms)."""
    latencies: list[float] = []
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            started = time.perf_counter()
            await one(i)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return n / elapsed, latencies[len(latencies) // 2]


# -- the run ------------------------------------------------------------------------------


async def run_bench(
    n: int = 2000,
    verify: int = 2000,
    concurrency: int = 16,
    database_url: str | None = None,
    nats_url: str | None = None,
) -> dict[str, Any]:
    """Measure bulk issuance and issuer verification, each beside its baseline."""
    with tempfile.TemporaryDirectory(prefix="wuzheng-issuance-bench-") as tmp:
        directory = Path(tmp)
        async with _nats(nats_url, directory) as url:
            return await _run(n, verify, concurrency, database_url, url, directory)


async def _run(
    n: int,
    verify: int,
    concurrency: int,
    database_url: str | None,
    nats_url: str,
    directory: Path,
) -> dict[str, Any]:
    namespace = f"bench{secrets.token_hex(4)}"
    database_url = database_url or f"sqlite+aiosqlite:///{directory / 'issuance.sqlite3'}"
    var_dir = directory / "var"
    ensure_dev_signing_key(var_dir)
    await migrate(database_url, "wuzheng.issuance.migrations")
    port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "WUZHENG_ENV": "dev",
        "WUZHENG_VAR_DIR": str(var_dir),
        "WUZHENG_LOG_LEVEL": "WARNING",
        "WUZHENG_NATS_NAMESPACE": namespace,
        "NATS_URL": nats_url,
        "ISSUANCE_DATABASE_URL": database_url,
        "ISSUANCE_PORT": str(port),
        "ISSUANCE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    topology = mesh_topology(namespace=namespace)
    nats = NatsConnection(nats_url, client_name="issuance-bench", topology=topology)
    base = f"http://127.0.0.1:{port}"
    service = [sys.executable, "-m", "wuzheng.issuance", "serve"]
    bare = [
        sys.executable, "-m", "uvicorn", "wuzheng.issuance.bench:create_bare_app", "--factory",
        "--host", "127.0.0.1", "--port", str(bare_port), "--log-level", "warning",
    ]  # fmt: skip
    bare_ready = f"http://127.0.0.1:{bare_port}/docs"
    with _processes(
        (service, f"{base}/readyz", directory / "issuance.log"),
        (bare, bare_ready, directory / "bare.log"),
        env=env,
    ):
        await nats.start()
        database = Database(database_url)
        try:
            await publish(nats, topology, catalog_events())
            wanted = (len(DEPARTMENTS), len(licence_type_events()))

            async def fed() -> bool:
                async with database.sessionmaker() as session:
                    return await counts(session) == wanted

            await wait_until(fed, timeout=30, message="catalog read model fed")
            token = mint_token(
                var_dir,
                department=DEPARTMENT,
                scopes=["licences:issue", "licences:verify"],
                operator="bench",
            )
            async with httpx.AsyncClient(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=600
            ) as client:
                issued = await _bulk_issue(client, nats, topology.subject, n, namespace)
                verified = await _verify(
                    client, nats, topology.subject, issued, verify, concurrency
                )
            bare_rate, bare_p50 = await _bare(bare_port, verify, concurrency)
        finally:
            await database.stop()
            await nats.stop()
    signing = signing_rates(min(n, 5000))
    issue_rate = issued["licences_per_s"]
    return {
        "database": database_url.split(":", 1)[0],
        "bulk_issuance": {
            **{k: v for k, v in issued.items() if k != "licences"},
            **signing,
            "fraction_of_raw_signing": round(
                issue_rate / signing["raw_ed25519_signatures_per_s"], 4
            ),
        },
        "issuer_verification": {
            **verified,
            "bare_fastapi_post_per_s": round(bare_rate),
            "bare_fastapi_post_p50_ms": round(bare_p50, 2),
            "nats_fraction_of_bare_post": round(verified["nats_per_s"] / bare_rate, 3),
        },
    }


async def _bulk_issue(
    client: httpx.AsyncClient,
    nats: NatsConnection,
    subject: Callable[[str], str],
    n: int,
    run_id: str,
) -> dict[str, Any]:
    delivered = 0
    done = asyncio.Event()

    async def on_issued(msg: Msg) -> None:
        nonlocal delivered
        delivered += 1
        if delivered >= n:
            done.set()

    subscription = await nats.nc.subscribe(subject("certificate.licence.issued"), cb=on_issued)
    today = date.today().isoformat()
    licences: list[tuple[str, str]] = []
    try:
        started = time.perf_counter()
        for offset in range(0, n, BATCH):
            items = [
                {
                    "type_code": BUSINESS_LICENCE,
                    "holder": str(organisation(i)),
                    "fields": business_licence_fields(i),
                    "valid_from": today,
                    "idempotency_key": f"{run_id}-{i}",
                }
                for i in range(offset, min(n, offset + BATCH))
            ]
            response = await client.post("/v1/licences:batch", json={"items": items})
            response.raise_for_status()
            report: dict[str, Any] = response.json()
            if report["failed"]:
                raise RuntimeError(f"batch items failed: {json.dumps(report)[:2000]}")
            for k, result in enumerate(report["items"]):
                licences.append((str(result["licence_id"]), str(items[k]["holder"])))
        stored = time.perf_counter() - started
        await asyncio.wait_for(done.wait(), timeout=600)
        elapsed = time.perf_counter() - started
    finally:
        await subscription.unsubscribe()
    return {
        "licences": licences,
        "n": n,
        "licences_per_s": round(n / elapsed, 1),
        "stored_per_s": round(n / stored, 1),
        "seconds": round(elapsed, 2),
    }


async def _verify(
    client: httpx.AsyncClient,
    nats: NatsConnection,
    subject: Callable[[str], str],
    issued: dict[str, Any],
    n: int,
    concurrency: int,
) -> dict[str, Any]:
    licences: list[tuple[str, str]] = issued["licences"]
    jwks = (await client.get(f"/v1/issuers/{ISSUER}/jwks.json")).json()

    def body(i: int) -> dict[str, Any]:
        licence_id, holder = licences[i % len(licences)]
        return {
            "issuer_code": ISSUER,
            "licence_id": licence_id,
            "holder": holder,
            "purpose": "benchmark",
            "caller_department": "administrative-approval",
            "fields": ["holder_name"],
            "nonce": f"nonce-{i:08d}",
        }

    answers: list[str] = []

    async def over_nats(i: int) -> None:
        reply = await request(nats, subject(f"verify.{ISSUER}"), body(i), timeout=10)
        answers.append(reply["answer"])

    async def over_rest(i: int) -> None:
        response = await client.post(f"/v1/issuers/{ISSUER}/verify", json=body(i))
        response.raise_for_status()

    nats_rate, nats_p50 = await _rate(n, concurrency, over_nats)
    for answer in (answers[0], answers[-1]):  # real, signed, valid answers
        claims = verify_compact(answer, jwks, typ=ANSWER_JWS_TYPE).claims
        if claims["outcome"] != "valid":
            raise RuntimeError(f"unexpected answer {claims}")
    rest_rate, rest_p50 = await _rate(max(n // 4, 1), concurrency, over_rest)
    return {
        "n": n,
        "concurrency": concurrency,
        "nats_per_s": round(nats_rate, 1),
        "nats_p50_ms": round(nats_p50, 2),
        "rest_per_s": round(rest_rate, 1),
        "rest_p50_ms": round(rest_p50, 2),
    }


async def _bare(port: int, n: int, concurrency: int) -> tuple[float, float]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

        async def post(i: int) -> None:
            response = await client.post("/echo", json={"nonce": f"nonce-{i:08d}"})
            response.raise_for_status()

        return await _rate(n, concurrency, post)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="licences to issue")
    parser.add_argument("--verify", type=int, default=2000, help="verification requests")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--nats-url", default=None)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args()
    result = asyncio.run(
        run_bench(args.n, args.verify, args.concurrency, args.database_url, args.nats_url)
    )
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
