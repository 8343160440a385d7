"""Per-department SLA through the API and settings; the deadline calculator."""

from __future__ import annotations

import datetime as dt

from wuzheng.dispute.app import DEFINITION
from wuzheng.dispute.settings import SlaDays
from wuzheng.dispute.sla.calendar import CST
from wuzheng.dispute.testing import (
    CIVIL_AFFAIRS,
    MONDAY_9AM,
    PUBLIC_SECURITY,
    World,
    licence_dispute,
    seed,
)
from wuzheng.service.testing import ServiceHarness


async def test_an_operator_sets_a_department_sla_for_new_disputes(world: World) -> None:
    client = world.service.client
    admin = world.service.auth("ops", "ops:admin")
    before = (
        await client.post(
            "/v1/disputes",
            json=licence_dispute(world.alice_card, holder=world.alice),
            headers=world.app(),
        )
    ).json()

    put = await client.put(
        f"/v1/sla/departments/{PUBLIC_SECURITY}",
        json={"accept_days": 2, "resolve_days": 10},
        headers=admin,
    )
    assert put.status_code == 200, put.text
    assert put.json()["source"] == "api"
    assert put.json()["updated_by"] == "ops/op-test"
    after = (
        await client.post(
            "/v1/disputes",
            json=licence_dispute(world.bob_card, holder=world.bob),
            headers=world.app(),
        )
    ).json()
    assert dt.datetime.fromisoformat(after["sla"]["accept_due_at"]) == dt.datetime(
        2025, 3, 5, 9, tzinfo=CST
    )
    assert dt.datetime.fromisoformat(after["sla"]["resolve_due_at"]) == dt.datetime(
        2025, 3, 17, 9, tzinfo=CST
    )
    # Earlier disputes keep the clock they were filed with.
    seen = await client.get(f"/v1/disputes/{before['id']}", headers=world.staff())
    assert seen.json()["sla"] == before["sla"]

    overview = await client.get("/v1/sla", headers=world.reports())
    assert overview.status_code == 200
    assert overview.json()["default_accept_days"] == 1
    assert [d["department"] for d in overview.json()["departments"]] == [PUBLIC_SECURITY]
    assert "2025-10-01" in overview.json()["holidays"]

    # Bad input and missing scopes change nothing.
    for body in ({"accept_days": 0, "resolve_days": 5}, {"accept_days": 6, "resolve_days": 5}, {}):
        bad = await client.put(f"/v1/sla/departments/{PUBLIC_SECURITY}", json=body, headers=admin)
        assert bad.status_code == 422, body
    unknown = await client.put(
        "/v1/sla/departments/no-such-dept",
        json={"accept_days": 1, "resolve_days": 2},
        headers=admin,
    )
    assert unknown.status_code == 422
    assert "unknown department" in unknown.json()["detail"]
    bad_code = await client.put(
        "/v1/sla/departments/BAD CODE", json={"accept_days": 1, "resolve_days": 2}, headers=admin
    )
    assert bad_code.status_code == 422
    forbidden = await client.put(
        f"/v1/sla/departments/{PUBLIC_SECURITY}",
        json={"accept_days": 30, "resolve_days": 60},
        headers=world.staff(),
    )
    assert forbidden.status_code == 403
    assert (await client.get("/v1/sla", headers=world.app())).status_code == 403

    deleted = await client.delete(f"/v1/sla/departments/{PUBLIC_SECURITY}", headers=admin)
    assert deleted.json()["source"] == "default"
    assert deleted.json()["accept_days"] == 1
    again = await client.delete(f"/v1/sla/departments/{PUBLIC_SECURITY}", headers=admin)
    assert again.status_code == 404


async def test_deadline_calculator(world: World) -> None:
    client = world.service.client
    response = await client.get(
        "/v1/sla/deadline",
        params={"start": "2025-09-30T15:00:00+08:00", "days": 5},
        headers=world.staff(),
    )
    assert response.status_code == 200
    assert response.json()["due_local"] == "2025-10-14T15:00:00+08:00"
    naive = await client.get(
        "/v1/sla/deadline",
        params={"start": "2025-09-30T15:00:00", "days": 5},
        headers=world.staff(),
    )
    assert naive.status_code == 422


async def test_settings_give_a_department_its_own_sla(service_harness: ServiceHarness) -> None:
    async with service_harness.run(
        DEFINITION,
        frozen_time=MONDAY_9AM,
        sla_departments={PUBLIC_SECURITY: SlaDays(accept_days=3, resolve_days=15)},
    ) as service:
        alice_card, _ = await seed(service)
        filed = await service.client.post(
            "/v1/disputes",
            json=licence_dispute(alice_card, holder=alice_card.holder),
            headers=service.auth("aishandong", "disputes:file"),
        )
        assert dt.datetime.fromisoformat(filed.json()["sla"]["accept_due_at"]) == dt.datetime(
            2025, 3, 6, 9, tzinfo=CST
        )
        overview = await service.client.get(
            "/v1/sla", headers=service.auth(CIVIL_AFFAIRS, "disputes:handle")
        )
        assert overview.json()["departments"][0]["source"] == "settings"
