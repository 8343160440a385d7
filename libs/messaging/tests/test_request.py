import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from wuzheng.contracts import TraceContext, current_trace
from wuzheng.contracts.problems import NotFound
from wuzheng.contracts.tracing import reset_trace, set_trace
from wuzheng.messaging import (
    NatsConnection,
    NoResponders,
    RemoteProblem,
    RequestTimeout,
    request,
    responder,
)


@pytest.fixture
async def nats(nats_url: str) -> AsyncIterator[NatsConnection]:
    connection = NatsConnection(nats_url, client_name="request-tests")
    await connection.start()
    yield connection
    await connection.stop()


async def verify(subject: str, body: dict[str, Any]) -> dict[str, Any]:
    issuer = subject.rsplit(".", 1)[1]
    if body.get("id") == "missing":
        raise NotFound(f"no licence {body['id']} at {issuer}")
    if body.get("id") == "bug":
        raise RuntimeError("the database password is hunter2")
    if body.get("id") == "slow":
        await asyncio.sleep(0.4)
    context = current_trace()
    return {"issuer": issuer, "valid": True, "trace": context.trace_id if context else None}


async def test_request_reply_on_a_per_issuer_subject(nats, nats_namespace) -> None:
    r = await responder(nats, f"{nats_namespace}.verify.*", verify, queue="issuance")
    try:
        trace = TraceContext.new()
        token = set_trace(trace)
        try:
            reply = await request(nats, f"{nats_namespace}.verify.ISSUER1", {"id": "L1"}, timeout=1)
        finally:
            reset_trace(token)
        # the responder ran in the requester's trace
        assert reply == {"issuer": "ISSUER1", "valid": True, "trace": trace.trace_id}
    finally:
        await r.stop()


async def test_handler_errors_come_back_as_problems(nats, nats_namespace) -> None:
    r = await responder(nats, f"{nats_namespace}.verify.*", verify, queue="issuance")
    subject = f"{nats_namespace}.verify.ISSUER1"
    try:
        with pytest.raises(RemoteProblem) as not_found:
            await request(nats, subject, {"id": "missing"}, timeout=1)
        assert not_found.value.status == 404
        assert not_found.value.type.endswith("/not-found")
        assert not_found.value.problem["detail"] == "no licence missing at ISSUER1"

        with pytest.raises(RemoteProblem) as crashed:
            await request(nats, subject, {"id": "bug"}, timeout=1)
        assert crashed.value.status == 500
        assert "hunter2" not in str(crashed.value.problem)  # internals stay inside

        # a request that is not a JSON object: a 400 problem, not silence
        reply = await nats.nc.request(subject, b"[1, 2]", timeout=1)
        assert reply.headers is not None
        assert reply.headers["Content-Type"] == "application/problem+json"
        assert b'"status":400' in reply.data.replace(b" ", b"")
    finally:
        await r.stop()


async def test_no_responders_and_timeout(nats, nats_namespace) -> None:
    with pytest.raises(NoResponders):
        await request(nats, f"{nats_namespace}.verify.NOBODY", {"id": "L1"}, timeout=1)
    r = await responder(nats, f"{nats_namespace}.verify.*", verify)
    try:
        with pytest.raises(RequestTimeout):
            await request(nats, f"{nats_namespace}.verify.X", {"id": "slow"}, timeout=0.2)
    finally:
        await r.stop()


async def test_a_queue_group_spreads_requests_and_handles_them_concurrently(
    nats, nats_namespace
) -> None:
    calls: dict[str, int] = {"a": 0, "b": 0}

    def replica(name: str):
        async def handler(subject: str, body: dict[str, Any]) -> dict[str, Any]:
            calls[name] += 1
            await asyncio.sleep(0.1)
            return {"by": name}

        return handler

    subject = f"{nats_namespace}.verify.*"
    first = await responder(nats, subject, replica("a"), queue="issuance")
    second = await responder(nats, subject, replica("b"), queue="issuance")
    try:
        replies = await asyncio.wait_for(
            asyncio.gather(
                *(request(nats, f"{nats_namespace}.verify.I", {}, timeout=2) for _ in range(40))
            ),
            timeout=1.5,  # 40 x 0.1 s one after the other would take 4 s
        )
        assert len(replies) == 40
        assert calls["a"] > 0
        assert calls["b"] > 0
    finally:
        await first.stop()
        await second.stop()
