"""Acting for others: mandates are scoped and time-bound, and a scan shows who acts for whom."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from wuzheng.contracts import HolderCode
from wuzheng.rescode.testing import (
    EventTap,
    Publisher,
    SampleCatalog,
    later,
    licence_issued,
    organisation,
    person,
    wait_for_row,
)
from wuzheng.rescode.wallet.models import WalletLicence
from wuzheng.service.testing import RunningService

Headers = dict[str, str]


async def mandate(
    rescode: RunningService, headers: Headers, principal: HolderCode, agent: HolderCode, **body: Any
) -> Any:
    payload = {
        "principal": principal,
        "agent": agent,
        "relation": "family",
        "valid_until": later(30),
        **body,
    }
    return await rescode.client.post("/v1/mandates", json=payload, headers=headers)


async def agent_code(
    rescode: RunningService, headers: Headers, principal: HolderCode, agent: HolderCode
) -> Any:
    return await rescode.client.post(
        "/v1/codes", json={"holder": principal, "agent": agent}, headers=headers
    )


async def resolve(rescode: RunningService, headers: Headers, code: str, item: int = 101) -> Any:
    return await rescode.client.post(
        "/v1/codes/resolve",
        json={"code": code, "item_seq_no": item, "purpose": "代办户口迁移"},
        headers=headers,
    )


async def test_a_family_member_shows_a_code_for_a_parent(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    publisher: Publisher,
    tap: EventTap,
) -> None:
    parent, child = person("19500101"), person("19800101")
    given = await mandate(
        rescode,
        app_backend,
        parent,
        child,
        items=[catalog.household_item],
        licence_types=[catalog.id_card],
    )
    assert given.status_code == 201, given.text
    body = given.json()
    assert body["state"] == "active"
    assert body["relation_label"] == "代办"
    assert body["agent"] == {"code": child.masked(), "kind": "person", "masked": True}

    # The parent consented to both types; the mandate narrows what the child may show.
    id_card = licence_issued(parent, catalog.id_card)
    marriage = licence_issued(parent, catalog.marriage, type_name="结婚证")
    await publisher.publish(id_card, marriage)
    await wait_for_row(
        rescode.runtime,
        sa.select(WalletLicence).where(WalletLicence.licence_id == str(marriage.licence_id)),
    )
    consent = await rescode.client.post(
        "/v1/consents",
        json={
            "holder": parent,
            "department": catalog.police,
            "item_seq_no": catalog.household_item,
            "licence_types": [catalog.id_card, catalog.marriage],
        },
        headers=app_backend,
    )
    assert consent.status_code == 201, consent.text

    code = await agent_code(rescode, app_backend, parent, child)
    assert code.status_code == 201, code.text
    assert (
        code.json()["acting"]["statement"]
        == f"{child.masked()} acting for {parent.masked()} (代办)"
    )
    seen = await resolve(rescode, counter(), code.json()["digits"])
    assert seen.status_code == 200, seen.text
    result = seen.json()
    assert result["holder"]["code"] == parent.masked()
    assert result["acting"]["agent"]["code"] == child.masked()
    assert result["licence_types"] == [catalog.id_card]
    assert [lic["licence_id"] for lic in result["licences"]] == [str(id_card.licence_id)]

    scanned = (await tap.wait_for("rescode.code.scanned"))[0]
    assert (scanned.holder, scanned.acting_holder) == (parent, child)
    assert scanned.mandate_id == body["mandate_id"]
    log = await rescode.client.get(f"/v1/holders/{parent}/access-log", headers=app_backend)
    record = log.json()["records"][0]
    assert record["acting"] == {
        "agent": child.masked(),
        "relation": "family",
        "relation_label": "代办",
    }

    # The agent's own code is a different code: the parent's is not replaced by it.
    own = await rescode.client.post("/v1/codes", json={"holder": child}, headers=app_backend)
    assert own.json()["acting"] is None


async def test_a_mandate_covers_only_its_items_and_stops_when_revoked(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
) -> None:
    ward, guardian = person("20150601"), person("19850101")
    given = (
        await mandate(
            rescode,
            app_backend,
            ward,
            guardian,
            relation="guardian",
            items=[catalog.household_item],
        )
    ).json()
    code = (await agent_code(rescode, app_backend, ward, guardian)).json()
    elsewhere = await resolve(
        rescode, counter(catalog.civil), code["digits"], item=catalog.business_item
    )
    assert elsewhere.status_code == 403
    assert elsewhere.json()["type"].endswith("/mandate-not-applicable")

    fresh = (await agent_code(rescode, app_backend, ward, guardian)).json()
    revoked = await rescode.client.delete(
        f"/v1/mandates/{given['mandate_id']}", headers=app_backend
    )
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked"
    stopped = await resolve(rescode, counter(), fresh["digits"])
    assert stopped.status_code == 403
    assert "no longer holds an active mandate" in stopped.json()["detail"]
    refused = await agent_code(rescode, app_backend, ward, guardian)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/mandate-required")

    # Both refused scans named the ward: the ward's log shows who tried, acting for whom.
    log = await rescode.client.get(f"/v1/holders/{ward}/access-log", headers=app_backend)
    assert log.status_code == 200, log.text
    records = log.json()["records"]
    assert [(r["result"], r["department"], r["item_seq_no"]) for r in records] == [
        ("mandate-not-applicable", "public-security", 101),
        ("mandate-not-applicable", catalog.civil, catalog.business_item),
    ]
    assert {r["acting"]["agent"] for r in records} == {guardian.masked()}
    assert {r["acting"]["relation"] for r in records} == {"guardian"}
    assert log.json()["chain"]["intact"] is True


async def test_mandate_rules(
    rescode: RunningService, app_backend: Headers, catalog: SampleCatalog
) -> None:
    someone, other, company = person(), person(), organisation()
    cases: list[tuple[HolderCode, HolderCode, dict[str, Any], str]] = [
        (someone, company, {}, "an agent is a person"),
        (someone, someone, {}, "act for themselves"),
        (someone, other, {"relation": "company_staff"}, "acts for an organisation"),
        (company, other, {"relation": "family"}, "use company_staff"),
        (someone, other, {"valid_until": later(-1)}, "must be after now"),
        (someone, other, {"valid_until": later(5000)}, "at most 1098 days"),
        (someone, other, {"items": [999]}, "unknown service item"),
        (someone, other, {"licence_types": [f"{catalog.issuer}009"]}, "unknown licence type"),
        (someone, other, {"licence_types": []}, "at least one licence type"),
        (someone, other, {"relation": "friend"}, "family"),
        (someone, other, {"valid_from": later(10), "valid_until": later(5)}, "after valid_from"),
    ]
    for principal, agent, change, reason in cases:
        response = await mandate(rescode, app_backend, principal, agent, **change)
        assert response.status_code == 422, (change, response.text)
        assert reason in response.text, (change, response.text)


async def test_a_mandate_that_starts_later_is_pending_and_lists_show_both_sides(
    rescode: RunningService, app_backend: Headers, catalog: SampleCatalog
) -> None:
    principal, agent = person(), person()
    later_one = (await mandate(rescode, app_backend, principal, agent, valid_from=later(1))).json()
    assert later_one["state"] == "pending"
    assert (await agent_code(rescode, app_backend, principal, agent)).status_code == 403

    granted = await rescode.client.get(f"/v1/holders/{principal}/mandates", headers=app_backend)
    assert [m["mandate_id"] for m in granted.json()["granted"]] == [later_one["mandate_id"]]
    assert granted.json()["held"] == []
    held = await rescode.client.get(f"/v1/holders/{agent}/mandates", headers=app_backend)
    assert [m["mandate_id"] for m in held.json()["held"]] == [later_one["mandate_id"]]
    missing = await rescode.client.delete(f"/v1/mandates/md_{'0' * 32}", headers=app_backend)
    assert missing.status_code == 404
    named = await rescode.client.post(
        "/v1/codes",
        json={"holder": principal, "agent": agent, "mandate_id": later_one["mandate_id"]},
        headers=app_backend,
    )
    assert named.status_code == 403
    no_agent = await rescode.client.post(
        "/v1/codes",
        json={"holder": principal, "mandate_id": later_one["mandate_id"]},
        headers=app_backend,
    )
    assert no_agent.status_code == 422
