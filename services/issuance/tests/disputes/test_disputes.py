"""Consuming ``dispute.*``: objections flag the licence; a resolution with corrections amends
it, recording the dispute id; corrections that cannot apply are dead-lettered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from wuzheng.contracts import HolderCode
from wuzheng.contracts.events.dispute import (
    DisputeClosed,
    DisputeOpened,
    DisputeOutcome,
    DisputeResolved,
)
from wuzheng.issuance.testing import (
    BUSINESS_LICENCE,
    EventTap,
    business_licence_fields,
    organisation,
    publish,
)
from wuzheng.messaging import dead_letter_table
from wuzheng.messaging.testing import wait_until
from wuzheng.service.testing import RunningService

MARKET = "market-regulation"
ISSUER = "11370784PH3724083H"
DISPUTE_SOURCE = "/wuzheng/dispute"


async def issue(service: RunningService, n: int = 1) -> dict[str, Any]:
    body = {
        "type_code": BUSINESS_LICENCE,
        "holder": organisation(n),
        "fields": business_licence_fields(n),
        "valid_from": "2024-01-01",
    }
    headers = {**service.auth(MARKET, "licences:issue"), "Idempotency-Key": f"d-{n}"}
    response = await service.client.post("/v1/licences", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def licence(service: RunningService, lid: str) -> dict[str, Any]:
    response = await service.client.get(
        f"/v1/licences/{lid}", headers=service.auth(MARKET, "licences:read")
    )
    return dict(response.json())


def resolved(dispute_id: str, lid: str, corrections: dict[str, Any]) -> DisputeResolved:
    return DisputeResolved(
        dispute_id=dispute_id,
        licence_id=lid,
        issuer_code=ISSUER,
        department=MARKET,
        corrections=corrections,
        note="住所登记有误，已核实更正",
        resolved_at=datetime.now(UTC),
    )


async def test_objection_and_correction(issuance: RunningService, tap: EventTap) -> None:
    runtime = issuance.runtime
    issued = await issue(issuance)
    lid = issued["licence_id"]
    opened = DisputeOpened(
        dispute_id="D-2024-0001",
        department=MARKET,
        licence_id=lid,
        holder=HolderCode(issued["holder"]),
        field="address",
        opened_at=datetime.now(UTC),
    )
    await publish(runtime.nats, runtime.topology, [opened], source=DISPUTE_SOURCE)

    async def flagged() -> bool:
        return bool((await licence(issuance, lid))["under_objection"])

    await wait_until(flagged, timeout=10, message="licence under objection")

    correction = resolved("D-2024-0001", lid, {"address": "山东省潍坊市安丘市兴安街道100号"})
    await publish(runtime.nats, runtime.topology, [correction], source=DISPUTE_SOURCE)
    amended = (await tap.wait_for("certificate.licence.amended"))[0].payload()
    assert amended.dispute_id == "D-2024-0001"
    assert str(amended.previous_licence_id) == lid
    assert amended.changed_fields == ("address",)
    assert amended.version == 2
    new = await licence(issuance, str(amended.licence_id))
    assert new["fields"]["address"] == "山东省潍坊市安丘市兴安街道100号"
    assert new["status"] == "valid"
    old = await licence(issuance, lid)
    assert (old["status"], old["under_objection"]) == ("superseded", False)
    history = (
        await issuance.client.get(
            f"/v1/licences/{amended.licence_id}/history",
            headers=issuance.auth(MARKET, "licences:read"),
        )
    ).json()["entries"]
    assert history[0]["dispute_id"] == "D-2024-0001"
    assert history[0]["actor"] == f"{MARKET}/dispute-service"
    assert history[0]["reason"].startswith("dispute D-2024-0001")


async def test_objection_closed_without_correction(issuance: RunningService) -> None:
    runtime = issuance.runtime
    lid = (await issue(issuance))["licence_id"]
    now = datetime.now(UTC)
    await publish(
        runtime.nats,
        runtime.topology,
        [
            DisputeOpened(dispute_id="D-7", department=MARKET, licence_id=lid, opened_at=now),
            DisputeClosed(
                dispute_id="D-7", licence_id=lid, outcome=DisputeOutcome.REJECTED, closed_at=now
            ),
        ],
        source=DISPUTE_SOURCE,
    )
    consumer = runtime.consumer("issuance-disputes")
    await wait_until(
        lambda: consumer.stats.processed >= 2, timeout=10, message="dispute events applied"
    )
    current = await licence(issuance, lid)
    assert (current["under_objection"], current["version"]) == (False, 1)


async def test_corrections_that_cannot_apply_are_dead_lettered(issuance: RunningService) -> None:
    runtime = issuance.runtime
    lid = (await issue(issuance))["licence_id"]
    await publish(
        runtime.nats,
        runtime.topology,
        [resolved("D-9", lid, {"shoe_size": "42"})],
        source=DISPUTE_SOURCE,
    )

    async def dead_lettered() -> list[Any]:
        async with runtime.database.sessionmaker() as session:
            return list((await session.execute(sa.select(dead_letter_table.c.error))).scalars())

    await wait_until(dead_lettered, timeout=10, message="dead letter recorded")
    (error,) = await dead_lettered()
    assert "D-9" in error
    assert "shoe_size" in error
    assert (await licence(issuance, lid))["version"] == 1
