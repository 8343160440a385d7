"""Who used my data: verifications, evidence requests and scans in one hash-chained log per
holder, each announced for the app to notify."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from wuzheng.contracts import EventEnvelope, HolderCode
from wuzheng.contracts.events.verification import AccessKind, VerificationCompleted
from wuzheng.db import utcnow
from wuzheng.messaging.testing import wait_until
from wuzheng.rescode.access_log.models import AccessRecord
from wuzheng.rescode.consents.models import Consent
from wuzheng.rescode.testing import EventTap, Publisher, SampleCatalog, person
from wuzheng.service.testing import RunningService

Headers = dict[str, str]


def completed(
    holder: HolderCode,
    kind: AccessKind = AccessKind.VERIFICATION,
    *,
    record_id: str = "vr-1",
    result: str = "valid",
    licence_ids: tuple[str, ...] = (),
) -> VerificationCompleted:
    return VerificationCompleted(
        record_id=record_id,
        kind=kind,
        caller_department="civil-affairs",
        operator_id="op-3",
        item_seq_no=101,
        purpose="婚姻登记核验",
        holder=holder,
        licence_id=None,
        type_code=None,
        result=result,
        completed_at=utcnow(),
        licence_ids=licence_ids,
    )


async def access_log(
    rescode: RunningService, headers: Headers, holder: HolderCode, **params: int
) -> Any:
    response = await rescode.client.get(
        f"/v1/holders/{holder}/access-log", params=params, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def count(rescode: RunningService, holder: HolderCode, expected: int) -> None:
    async def enough() -> bool:
        key = rescode.app.state.rescode.vault.hash(holder)
        async with rescode.runtime.database.sessionmaker() as session:
            found = await session.scalar(
                sa.select(sa.func.count())
                .select_from(AccessRecord)
                .where(AccessRecord.holder_hash == key)
            )
        return found == expected

    await wait_until(enough, timeout=10, message=f"{expected} access records")


async def test_verifications_and_scans_land_in_the_holders_log(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    publisher: Publisher,
    tap: EventTap,
) -> None:
    holder, other = person(), person()
    await publisher.publish(
        completed(holder),
        completed(
            holder,
            AccessKind.EVIDENCE_REQUEST,
            record_id="vr-2",
            result="revoked",
            licence_ids=("L-1", "L-2"),
        ),
        completed(other, record_id="vr-3"),
    )
    await count(rescode, holder, 2)
    code = await rescode.client.post("/v1/codes", json={"holder": holder}, headers=app_backend)
    scan = await rescode.client.post(
        "/v1/codes/resolve",
        json={"code": code.json()["digits"], "item_seq_no": 101, "purpose": "户口迁移"},
        headers=counter(),
    )
    assert scan.status_code == 200

    log = await access_log(rescode, app_backend, holder)
    assert log["holder"]["code"] == str(holder)
    assert log["chain"]["length"] == 3
    assert log["chain"]["intact"] is True
    records = log["records"]
    assert [(r["seq"], r["source"], r["result"]) for r in records] == [
        (3, "scan", "identity_only"),
        (2, "evidence_request", "revoked"),
        (1, "verification", "valid"),
    ]
    assert records[0]["department_name"] == "安丘市公安局"
    assert records[0]["item_name"] == "户口迁移"
    assert records[0]["operator_id"] == "op-7"
    assert records[1]["department"] == "civil-affairs"
    assert (records[1]["licence_ids"], records[0]["licence_ids"]) == (["L-1", "L-2"], [])
    assert records[0]["prev_hash"] == records[1]["hash"]
    assert records[2]["prev_hash"] == "0" * 64

    announced = await tap.wait_for("rescode.access.recorded", 4)
    mine = [a for a in announced if a.holder == holder]
    assert sorted(a.source for a in mine) == ["evidence_request", "scan", "verification"]
    assert {a.reference for a in mine} >= {"vr-1", "vr-2", code.json()["code_id"]}

    page = await access_log(rescode, app_backend, holder, limit=2)
    assert [r["seq"] for r in page["records"]] == [3, 2]
    rest = await access_log(
        rescode, app_backend, holder, limit=2, before_seq=page["next_before_seq"]
    )
    assert [r["seq"] for r in rest["records"]] == [1]
    assert rest["next_before_seq"] is None
    assert [r["seq"] for r in (await access_log(rescode, app_backend, other))["records"]] == [1]


async def test_a_tampered_log_says_where_it_breaks(
    rescode: RunningService, app_backend: Headers, catalog: SampleCatalog, publisher: Publisher
) -> None:
    holder = person()
    await publisher.publish(*(completed(holder, record_id=f"vr-{i}") for i in range(3)))
    await count(rescode, holder, 3)
    async with rescode.runtime.database.transaction() as session:
        await session.execute(
            sa.update(AccessRecord)
            .where(AccessRecord.reference == "vr-1", AccessRecord.seq == 2)
            .values(department="someone-else")
        )
    chain = (await access_log(rescode, app_backend, holder))["chain"]
    assert (chain["intact"], chain["broken_at"]) == (False, 2)

    async with rescode.runtime.database.transaction() as session:
        await session.execute(
            sa.update(AccessRecord).where(AccessRecord.seq == 2).values(department="civil-affairs")
        )
        await session.execute(sa.delete(AccessRecord).where(AccessRecord.seq == 3))
    chain = (await access_log(rescode, app_backend, holder))["chain"]
    assert (chain["intact"], chain["broken_at"], chain["length"]) == (False, 3, 2)


async def test_an_evidence_request_naming_a_consent_uses_it_up(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    publisher: Publisher,
) -> None:
    holder = person()
    consent = await rescode.client.post(
        "/v1/consents",
        json={
            "holder": holder,
            "department": catalog.police,
            "item_seq_no": catalog.household_item,
            "licence_types": [catalog.id_card],
        },
        headers=app_backend,
    )
    consent_id = consent.json()["consent_id"]
    event = completed(holder, AccessKind.EVIDENCE_REQUEST)
    envelope = EventEnvelope.wrap(event, source="/wuzheng/verification")
    # A newer verification service sends the consent it used; unknown members are allowed.
    await publisher.publish_envelope(
        envelope.model_copy(update={"data": {**envelope.data, "consent_id": consent_id}})
    )

    async def used() -> bool:
        async with rescode.runtime.database.sessionmaker() as session:
            row = await session.get(Consent, consent_id)
            return row is not None and row.consumed_at is not None

    await wait_until(used, timeout=10, message="consent used by the evidence request")
    listed = await rescode.client.get(f"/v1/holders/{holder}/consents", headers=app_backend)
    assert listed.json()["consents"][0]["consumed_by"] == "evidence_request"
    code = await rescode.client.post("/v1/codes", json={"holder": holder}, headers=app_backend)
    scan = await rescode.client.post(
        "/v1/codes/resolve",
        json={"code": code.json()["digits"], "item_seq_no": 101, "purpose": "户口迁移"},
        headers=counter(),
    )
    assert scan.json()["consented"] is False


async def test_the_log_needs_wallet_read(
    rescode: RunningService, counter: Callable[..., Headers], catalog: SampleCatalog
) -> None:
    url = f"/v1/holders/{person()}/access-log"
    assert (await rescode.client.get(url)).status_code == 401
    assert (await rescode.client.get(url, headers=counter())).status_code == 403
    backend = rescode.auth("aishandong", "wallet:read")
    assert (await rescode.client.get(url, params={"limit": 0}, headers=backend)).status_code == 422
