"""Suspend, reinstate, revoke, cancel, amend, expire: history, events, 409s and 403s."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from wuzheng.contracts import LicenceId
from wuzheng.issuance.app import DEFINITION
from wuzheng.issuance.context import context_of
from wuzheng.issuance.licences.models import Licence
from wuzheng.issuance.licences.service import expire_due
from wuzheng.issuance.testing import (
    BUSINESS_LICENCE,
    EventTap,
    business_licence_fields,
    organisation,
    seed_catalog,
)
from wuzheng.messaging.testing import wait_until
from wuzheng.service.testing import RunningService, ServiceHarness

MARKET = "market-regulation"


async def issue(service: RunningService, n: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type_code": BUSINESS_LICENCE,
        "holder": organisation(n),
        "fields": business_licence_fields(n),
        "valid_from": "2024-01-01",
    }
    body.update(overrides)
    headers = {**service.auth(MARKET, "licences:issue"), "Idempotency-Key": f"life-{n}"}
    response = await service.client.post("/v1/licences", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def act(
    service: RunningService, lid: str, action: str, body: dict[str, Any], dept: str = MARKET
) -> Any:
    return await service.client.post(
        f"/v1/licences/{lid}/{action}", json=body, headers=service.auth(dept, "licences:manage")
    )


async def test_status_changes_are_recorded_and_published(
    issuance: RunningService, tap: EventTap
) -> None:
    lid = (await issue(issuance))["licence_id"]
    suspended = await act(issuance, lid, "suspend", {"reason": "年报未报"})
    assert suspended.status_code == 200, suspended.text
    assert (suspended.json()["status"], suspended.json()["gbt_status_code"]) == ("suspended", "02")
    again = await act(issuance, lid, "suspend", {"reason": "twice"})
    assert again.status_code == 409
    assert again.json()["current_status"] == "suspended"
    assert "suspended" in again.json()["detail"]

    reinstated = await act(issuance, lid, "reinstate", {"reason": "已补报"})
    assert reinstated.json()["status"] == "valid"
    revoked = await act(issuance, lid, "revoke", {"reason": "虚假登记", "kind": "penalty"})
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revocation"] == "penalty"
    assert revoked.json()["gbt_status_code"] == "07"
    for action, body in (
        ("reinstate", {"reason": "x"}),
        ("cancel", {"reason": "x"}),
        ("revoke", {"reason": "x", "kind": "annulled"}),
    ):
        refused = await act(issuance, lid, action, body)
        assert refused.status_code == 409, action
        assert refused.json()["current_status"] == "revoked"
    amend = await issuance.client.post(
        f"/v1/licences/{lid}/amendments",
        json={"fields": {"address": "新地址"}, "reason": "x"},
        headers=issuance.auth(MARKET, "licences:issue"),
    )
    assert amend.status_code == 409

    for name in ("suspended", "reinstated", "revoked"):
        await tap.wait_for(f"certificate.licence.{name}", subject=lid)
    revoked_event = tap.of_type("certificate.licence.revoked")[0].payload()
    assert revoked_event.revocation == "penalty"
    assert revoked_event.previous_status == "valid"
    assert revoked_event.actor == f"{MARKET}/op-test"
    assert revoked_event.reason == "虚假登记"

    history = await issuance.client.get(
        f"/v1/licences/{lid}/history", headers=issuance.auth(MARKET, "licences:read")
    )
    entries = history.json()["entries"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in entries] == [
        ("issued", None, "valid"),
        ("suspended", "valid", "suspended"),
        ("reinstated", "suspended", "valid"),
        ("revoked", "valid", "revoked"),
    ]
    assert [e["reason"] for e in entries[1:]] == ["年报未报", "已补报", "虚假登记"]
    assert all(e["actor"] == f"{MARKET}/op-test" for e in entries)


async def test_cancel(issuance: RunningService, tap: EventTap) -> None:
    lid = (await issue(issuance))["licence_id"]
    cancelled = await act(issuance, lid, "cancel", {"reason": "企业注销"})
    assert (cancelled.json()["status"], cancelled.json()["gbt_status_code"]) == ("cancelled", "04")
    await tap.wait_for("certificate.licence.cancelled", subject=lid)
    assert (await act(issuance, lid, "suspend", {"reason": "x"})).status_code == 409


async def test_another_department_cannot_touch_the_licence(issuance: RunningService) -> None:
    lid = (await issue(issuance))["licence_id"]
    other = "administrative-approval"
    for action, body in (
        ("suspend", {"reason": "x"}),
        ("revoke", {"reason": "x", "kind": "annulled"}),
    ):
        refused = await act(issuance, lid, action, body, dept=other)
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("/not-your-licence")
    amend = await issuance.client.post(
        f"/v1/licences/{lid}/amendments",
        json={"fields": {"address": "x"}, "reason": "x"},
        headers=issuance.auth(other, "licences:issue"),
    )
    assert amend.status_code == 403
    read = await issuance.client.get(
        f"/v1/licences/{lid}", headers=issuance.auth(other, "licences:issue")
    )
    assert read.status_code == 403
    # licences:read may read any department's licence.
    reader = await issuance.client.get(
        f"/v1/licences/{lid}", headers=issuance.auth(other, "licences:read")
    )
    assert reader.status_code == 200
    # Without licences:manage, no status change even on one's own licence.
    no_scope = await issuance.client.post(
        f"/v1/licences/{lid}/suspend",
        json={"reason": "x"},
        headers=issuance.auth(MARKET, "licences:issue"),
    )
    assert no_scope.status_code == 403
    assert (
        await act(issuance, lid.replace(".001.", ".002."), "suspend", {"reason": "x"})
    ).status_code == 422


async def test_amend_issues_the_next_version(issuance: RunningService, tap: EventTap) -> None:
    issued = await issue(issuance)
    lid = issued["licence_id"]
    await act(issuance, lid, "suspend", {"reason": "检查中"})
    headers = issuance.auth(MARKET, "licences:issue")
    amended = await issuance.client.post(
        f"/v1/licences/{lid}/amendments",
        json={
            "fields": {"address": "安丘市新地址8号", "registered_capital": 1000000},
            "valid_until": "2099-12-31",
            "reason": "住所变更",
        },
        headers=headers,
    )
    assert amended.status_code == 201, amended.text
    new = amended.json()
    assert new["licence_id"] == LicenceId(lid).next_version()
    assert new["version"] == 2
    assert new["licence_no"] == issued["licence_no"]
    assert new["status"] == "suspended"  # the suspension carries over
    assert new["fields"]["address"] == "安丘市新地址8号"
    assert new["fields"]["registered_capital"] == "1000000"
    assert new["fields"]["valid_until"] == "2099-12-31"
    assert new["previous_licence_id"] == lid
    assert new["status_list"]["idx"] != issued["status_list"]["idx"]
    old = (await issuance.client.get(f"/v1/licences/{lid}", headers=headers)).json()
    assert (old["status"], old["superseded_by"]) == ("superseded", new["licence_id"])

    event = (await tap.wait_for("certificate.licence.amended"))[0].payload()
    assert str(event.licence_id) == new["licence_id"]
    assert str(event.previous_licence_id) == lid
    assert event.changed_fields == ("address", "registered_capital", "valid_until")
    assert event.dispute_id is None

    same = await issuance.client.post(
        f"/v1/licences/{new['licence_id']}/amendments",
        json={"fields": {"address": "安丘市新地址8号"}, "reason": "no-op"},
        headers=headers,
    )
    assert same.status_code == 422
    assert [e["field"] for e in same.json()["errors"]] == ["body.fields"]
    bad = await issuance.client.post(
        f"/v1/licences/{new['licence_id']}/amendments",
        json={"fields": {"shoe_size": "42", "legal_representative": None}, "reason": "x"},
        headers=headers,
    )
    assert sorted(e["field"] for e in bad.json()["errors"]) == [
        "body.fields.legal_representative",
        "body.fields.shoe_size",
    ]


async def test_holder_licences(issuance: RunningService) -> None:
    lid = (await issue(issuance, 1))["licence_id"]
    await issue(issuance, 2)
    await issuance.client.post(
        f"/v1/licences/{lid}/amendments",
        json={"fields": {"address": "x路1号"}, "reason": "r"},
        headers=issuance.auth(MARKET, "licences:issue"),
    )
    reader = issuance.auth("public-security", "licences:read")
    holder = str(organisation(1))
    current = await issuance.client.get(f"/v1/holders/{holder}/licences", headers=reader)
    assert [(x["version"], x["status"]) for x in current.json()] == [(2, "valid")]
    every = await issuance.client.get(
        f"/v1/holders/{holder}/licences", params={"include_superseded": "true"}, headers=reader
    )
    assert [(x["version"], x["status"]) for x in every.json()] == [(1, "superseded"), (2, "valid")]
    bad = await issuance.client.get(f"/v1/holders/{holder[:-1]}0/licences", headers=reader)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["path.holder_code"]
    issuer_only = await issuance.client.get(
        f"/v1/holders/{holder}/licences", headers=issuance.auth(MARKET, "licences:issue")
    )
    assert issuer_only.status_code == 403


async def test_expiry_by_date(issuance: RunningService, tap: EventTap) -> None:
    ctx = context_of(issuance.runtime)
    # The licences' calendar is the city's (UTC+8), not the test machine's.
    today = ctx.settings.today()
    soon = await issue(issuance, 1, valid_until=today.isoformat())
    later = await issue(issuance, 2, valid_until=(today + timedelta(days=30)).isoformat())
    assert await expire_due(ctx, today) == 0
    assert await expire_due(ctx, today + timedelta(days=1)) == 1
    event = (await tap.wait_for("certificate.licence.expired"))[0].payload()
    assert str(event.licence_id) == soon["licence_id"]
    assert event.actor == "system/issuance"
    async with issuance.runtime.database.sessionmaker() as session:
        rows = dict((await session.execute(sa.select(Licence.id, Licence.status))).all())
    assert rows == {soon["licence_id"]: "expired", later["licence_id"]: "valid"}
    reinstate = await act(issuance, soon["licence_id"], "reinstate", {"reason": "x"})
    assert reinstate.json()["current_status"] == "expired"


async def test_the_periodic_task_expires_licences(service_harness: ServiceHarness) -> None:
    settings = {"expiry_interval_seconds": 0.2, "status_list_debounce_seconds": 0.1}
    async with service_harness.run(DEFINITION, **settings) as service:
        await seed_catalog(service.runtime)
        tap = await EventTap().open(service.runtime.nats, service.runtime.topology)
        today = context_of(service.runtime).settings.today()
        lid = (await issue(service, 1, valid_until=today.isoformat()))["licence_id"]
        # A day passes: the licence's last valid day is now yesterday.
        async with service.runtime.database.transaction() as session:
            await session.execute(
                sa.update(Licence)
                .where(Licence.id == lid)
                .values(valid_until=today - timedelta(days=1))
            )
        expired = await tap.wait_for("certificate.licence.expired", subject=lid, timeout=10)
        assert expired[0].payload().status == "expired"
        licence = await service.client.get(
            f"/v1/licences/{lid}", headers=service.auth(MARKET, "licences:read")
        )
        assert licence.json()["status"] == "expired"

        async def list_republished() -> bool:
            return any(
                e.time >= expired[0].time for e in tap.of_type("certificate.status_list.published")
            )

        await wait_until(list_republished, timeout=10, message="status list republished")
        await tap.close()
