"""The access record: a linear hash chain under concurrency, tamper evidence, export, events."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from nats.aio.msg import Msg

from wuzheng.contracts import EventEnvelope
from wuzheng.contracts.events.verification import VerificationCompleted
from wuzheng.messaging.testing import wait_until
from wuzheng.service.testing import RunningService, ServiceHarness
from wuzheng.verification.app import DEFINITION
from wuzheng.verification.audit.models import AccessRecord
from wuzheng.verification.testing import ID_CARD, PERSON, Mesh


def body(licence_id: str, purpose: str = "核验") -> dict[str, object]:
    return {"licence_id": licence_id, "holder": str(PERSON), "item_seq_no": 5, "purpose": purpose}


async def chain(service: RunningService) -> dict[str, Any]:
    response = await service.client.get(
        "/v1/audit/verify-chain", headers=service.auth("audit", "audit:read")
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_concurrent_requests_keep_one_linear_chain(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licences = [mesh.peer.issue(ID_CARD, PERSON) for _ in range(10)]
    requests = [body(lic.licence_id, f"并发 {i}") for i in range(6) for lic in licences]
    requests += [{**body(licences[0].licence_id), "item_seq_no": 99}] * 20  # refusals too
    responses = await asyncio.gather(
        *(verification.client.post("/v1/verifications", json=b, headers=counter) for b in requests)
    )
    assert sorted({r.status_code for r in responses}) == [200, 403]
    report = await chain(verification)
    assert report == {**report, "intact": True, "records": 80, "head_seq": 80}
    assert report["first_broken"] is None
    async with verification.runtime.database.sessionmaker() as session:
        rows = (
            await session.execute(
                sa.select(AccessRecord.seq, AccessRecord.prev_hash, AccessRecord.hash).order_by(
                    AccessRecord.seq
                )
            )
        ).all()
    assert [r.seq for r in rows] == list(range(1, 81))
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, 80))


async def test_two_replicas_on_one_database_share_one_chain(
    service_harness: ServiceHarness, peer: Any, settings_overrides: dict[str, Any]
) -> None:
    url = await service_harness.databases.create("shared")
    async with (
        service_harness.run(DEFINITION, database_url=url, **settings_overrides) as one,
        service_harness.run(DEFINITION, database_url=url, **settings_overrides) as two,
    ):
        mesh = Mesh(one.runtime, peer)
        await mesh.start()
        licence = peer.issue(ID_CARD, PERSON)
        await Mesh(two.runtime, peer).wait("issuer_routes")
        calls = [
            service.client.post(
                "/v1/verifications",
                json=body(licence.licence_id),
                headers=service.auth("civil-affairs", "verify:request"),
            )
            for _ in range(40)
            for service in (one, two)
        ]
        responses = await asyncio.gather(*calls)
        assert {r.status_code for r in responses} == {200}
        report = await chain(two)
        assert report["intact"] is True
        assert report["records"] == 80
        await peer.detach()


async def test_tampering_is_found_and_named(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    for i in range(5):
        response = await verification.client.post(
            "/v1/verifications", json=body(licence.licence_id, f"第{i}次"), headers=counter
        )
        assert response.status_code == 200
    assert (await chain(verification))["intact"] is True
    database = verification.runtime.database
    async with database.transaction() as session:
        third = await session.get(AccessRecord, 3)
        assert third is not None
        original = third.purpose
        third.purpose = "改写的用途"
    report = await chain(verification)
    assert report["intact"] is False
    assert report["first_broken"]["seq"] == 3
    assert report["first_broken"]["record_id"] == third.record_id
    assert "content" in report["first_broken"]["reason"]

    async with database.transaction() as session:
        await session.execute(
            sa.update(AccessRecord).where(AccessRecord.seq == 3).values(purpose=original)
        )
    assert (await chain(verification))["intact"] is True
    async with database.transaction() as session:  # drop the last record
        await session.execute(sa.delete(AccessRecord).where(AccessRecord.seq == 5))
    report = await chain(verification)
    assert report["intact"] is False
    assert report["first_broken"]["seq"] == 5
    async with database.transaction() as session:  # drop one in the middle
        await session.execute(sa.delete(AccessRecord).where(AccessRecord.seq == 2))
    report = await chain(verification)
    assert report["first_broken"]["seq"] == 2
    assert "missing" in report["first_broken"]["reason"]


async def test_export_a_time_range_as_json_lines_or_csv(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    before = datetime.now(UTC)
    for _ in range(3):
        await verification.client.post(
            "/v1/verifications", json=body(licence.licence_id), headers=counter
        )
    auditor = verification.auth("audit", "audit:read")
    lines = await verification.client.get(
        "/v1/audit/records", params={"from": before.isoformat()}, headers=auditor
    )
    assert lines.status_code == 200
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in lines.text.splitlines()]
    assert [r["seq"] for r in rows] == [1, 2, 3]
    assert rows[0]["holder_masked"] == "111:3707**********1239"
    assert "370784199001011239" not in lines.text
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    later = await verification.client.get(
        "/v1/audit/records",
        params={"from": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()},
        headers=auditor,
    )
    assert later.text == ""
    as_csv = await verification.client.get(
        "/v1/audit/records", params={"format": "csv", "holder": str(PERSON)}, headers=auditor
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["seq"] for row in table] == ["1", "2", "3"]
    other_holder = await verification.client.get(
        "/v1/audit/records", params={"holder": "111:11010519491231002X"}, headers=auditor
    )
    assert other_holder.text == ""
    backwards = await verification.client.get(
        "/v1/audit/records",
        params={"from": before.isoformat(), "to": (before - timedelta(days=1)).isoformat()},
        headers=auditor,
    )
    assert backwards.status_code == 422
    naive = await verification.client.get(
        "/v1/audit/records", params={"from": "2024-01-01T00:00:00"}, headers=auditor
    )
    assert naive.status_code == 422
    forbidden = await verification.client.get("/v1/audit/verify-chain", headers=counter)
    assert forbidden.status_code == 403


async def test_every_record_is_announced(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    seen: list[EventEnvelope] = []

    async def collect(msg: Msg) -> None:
        seen.append(EventEnvelope.from_bytes(msg.data))

    runtime = verification.runtime
    subscription = await runtime.nats.nc.subscribe(runtime.subject("verification.>"), cb=collect)
    licence = mesh.peer.issue(ID_CARD, PERSON)
    ok = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    refused = await verification.client.post(
        "/v1/verifications", json={**body(licence.licence_id), "item_seq_no": 99}, headers=counter
    )
    await wait_until(lambda: len(seen) >= 2, timeout=10, message="two events")
    await subscription.unsubscribe()
    events = [e.payload_as(VerificationCompleted) for e in seen]
    assert [e.record_id for e in events] == [ok.json()["record_id"], refused.json()["record_id"]]
    assert events[0].result == "valid"
    assert events[0].holder == PERSON  # the holder sees who used their data
    assert events[0].licence_ids == (licence.licence_id,)
    assert events[1].result == "refused:entitlement"
    assert seen[0].traceparent is not None


async def test_nothing_is_answered_unrecorded(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    await verification.app.state.verification.access_log.stop()
    response = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    assert response.status_code == 503
    assert response.json()["type"].endswith("/access-log-unavailable")
    assert "answer" not in response.json()
    ready = await verification.client.get("/readyz")
    assert ready.status_code == 503
