"""Consents (授权展码): granting, the events verification needs, revoking, and what a scan
shows with and without one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from wuzheng.contracts import HolderCode
from wuzheng.contracts.events.rescode import ConsentScope
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


async def grant(
    rescode: RunningService,
    headers: Headers,
    catalog: SampleCatalog,
    holder: HolderCode,
    **body: Any,
) -> Any:
    payload = {
        "holder": holder,
        "department": catalog.police,
        "item_seq_no": catalog.household_item,
        "licence_types": [catalog.id_card, catalog.marriage],
        **body,
    }
    return await rescode.client.post("/v1/consents", json=payload, headers=headers)


async def scan(
    rescode: RunningService, backend: Headers, counter: Headers, holder: HolderCode, item: int = 101
) -> Any:
    code = await rescode.client.post("/v1/codes", json={"holder": holder}, headers=backend)
    assert code.status_code == 201, code.text
    response = await rescode.client.post(
        "/v1/codes/resolve",
        json={"code": code.json()["digits"], "item_seq_no": item, "purpose": "户口迁移"},
        headers=counter,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def give_licences(
    rescode: RunningService, publisher: Publisher, catalog: SampleCatalog, holder: HolderCode
) -> dict[str, str]:
    """An ID card and a marriage certificate in the holder's wallet; their ids by type."""
    id_card = licence_issued(holder, catalog.id_card, type_name="居民身份证")
    marriage = licence_issued(
        holder, catalog.marriage, type_name="结婚证", department=catalog.civil
    )
    await publisher.publish(id_card, marriage)
    for event in (id_card, marriage):
        await wait_for_row(
            rescode.runtime,
            sa.select(WalletLicence).where(WalletLicence.licence_id == str(event.licence_id)),
            message="licence in the wallet",
        )
    return {catalog.id_card: str(id_card.licence_id), catalog.marriage: str(marriage.licence_id)}


async def test_a_one_case_consent_shows_the_items_licences_once(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    publisher: Publisher,
    tap: EventTap,
) -> None:
    holder = person()
    licences = await give_licences(rescode, publisher, catalog, holder)
    response = await grant(rescode, app_backend, catalog, holder, purpose="户口迁移")
    assert response.status_code == 201, response.text
    consent = response.json()
    assert consent["consent_id"].startswith("cs_")
    assert consent["scope"] == "one_case"
    assert consent["state"] == "active"
    assert consent["department_name"] == "安丘市公安局"
    assert consent["item_name"] == "户口迁移"
    assert [t["name"] for t in consent["licence_types"]] == ["居民身份证", "结婚证"]

    granted = (await tap.wait_for("consent.grant.granted"))[0]
    assert granted.consent_id == consent["consent_id"]
    assert granted.holder == holder
    assert (granted.department, granted.item_seq_no) == (catalog.police, catalog.household_item)
    assert granted.licence_types == (catalog.id_card, catalog.marriage)
    assert granted.scope is ConsentScope.ONE_CASE

    # Another department sees the identity only.
    elsewhere = await scan(rescode, app_backend, counter(catalog.civil), holder)
    assert elsewhere["consented"] is False
    assert elsewhere["licences"] == []

    seen = await scan(rescode, app_backend, counter(), holder)
    assert seen["consented"] is True
    assert seen["consent"]["consumed"] is True
    assert seen["licence_types"] == sorted([catalog.id_card, catalog.marriage])
    assert {lic["licence_id"] for lic in seen["licences"]} == set(licences.values())
    assert {lic["status"] for lic in seen["licences"]} == {"valid"}

    consumed = (await tap.wait_for("consent.grant.consumed"))[0]
    assert (consumed.consent_id, consumed.consumed_by) == (consent["consent_id"], "scan")
    assert consumed.reference == seen["code_id"]
    scanned = (await tap.wait_for("rescode.code.scanned", 2))[-1]
    assert scanned.consent_id == consent["consent_id"]
    assert scanned.licence_types == tuple(sorted([catalog.id_card, catalog.marriage]))

    log = await rescode.client.get(f"/v1/holders/{holder}/access-log", headers=app_backend)
    shown = log.json()["records"][0]
    assert (shown["result"], sorted(shown["licence_ids"])) == (
        "consented",
        sorted(licences.values()),
    )

    again = await scan(rescode, app_backend, counter(), holder)
    assert again["consented"] is False  # 一事一授权: used up
    listed = await rescode.client.get(f"/v1/holders/{holder}/consents", headers=app_backend)
    assert listed.json()["consents"][0]["state"] == "consumed"
    assert listed.json()["consents"][0]["consumed_by"] == "scan"


async def test_a_window_consent_serves_many_scans_and_only_what_it_names(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    publisher: Publisher,
) -> None:
    holder = person()
    licences = await give_licences(rescode, publisher, catalog, holder)
    response = await grant(
        rescode,
        app_backend,
        catalog,
        holder,
        scope="window",
        valid_until=later(7),
        licence_types=[catalog.marriage],
        item_seq_no=None,
    )
    assert response.status_code == 201, response.text
    for _ in range(2):
        seen = await scan(rescode, app_backend, counter(), holder)
        assert seen["consent"]["consumed"] is False
        assert [lic["licence_id"] for lic in seen["licences"]] == [licences[catalog.marriage]]


async def test_revoking_a_consent_stops_it_and_tells_the_mesh(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    tap: EventTap,
) -> None:
    holder = person()
    consent = (await grant(rescode, app_backend, catalog, holder)).json()
    url = f"/v1/consents/{consent['consent_id']}"
    revoked = await rescode.client.delete(url, headers=app_backend)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["state"] == "revoked"
    again = await rescode.client.delete(url, headers=app_backend)
    assert again.status_code == 200
    event = (await tap.wait_for("consent.grant.revoked"))[0]
    assert (event.consent_id, event.holder) == (consent["consent_id"], holder)
    assert len(tap.of_type("consent.grant.revoked")) == 1  # the second DELETE changed nothing

    assert (await scan(rescode, app_backend, counter(), holder))["consented"] is False
    missing = await rescode.client.delete(f"/v1/consents/cs_{'0' * 32}", headers=app_backend)
    assert missing.status_code == 404
    malformed = await rescode.client.delete("/v1/consents/nope", headers=app_backend)
    assert malformed.status_code == 422


async def test_a_used_up_consent_cannot_be_revoked(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
) -> None:
    holder = person()
    consent = (await grant(rescode, app_backend, catalog, holder)).json()
    await scan(rescode, app_backend, counter(), holder)
    response = await rescode.client.delete(
        f"/v1/consents/{consent['consent_id']}", headers=app_backend
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/consent-closed")


async def test_consents_are_checked_against_the_catalogue(
    rescode: RunningService, app_backend: Headers, catalog: SampleCatalog
) -> None:
    holder = person()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"department": "nowhere"}, "unknown department"),
        ({"item_seq_no": 999}, "unknown service item 999"),
        ({"licence_types": [f"{catalog.issuer}009"]}, "unknown licence type"),
        ({"licence_types": [catalog.business]}, "not held by a person"),
        ({"item_seq_no": catalog.business_item, "department": catalog.civil}, "does not need"),
        ({"scope": "window"}, "needs valid_until"),
        ({"valid_until": later(-1)}, "must be in the future"),
        ({"valid_until": later(400)}, "at most 366 days"),
        ({"valid_until": "2030-01-01T00:00:00"}, "timezone"),
        ({"licence_types": []}, "at least 1"),
        ({"scope": "forever"}, "one_case"),
        ({"colour": "red"}, "colour"),
    ]
    for change, reason in cases:
        response = await grant(rescode, app_backend, catalog, holder, **change)
        assert response.status_code == 422, (change, response.text)
        assert reason in response.text, (change, response.text)
    listed = await rescode.client.get(f"/v1/holders/{holder}/consents", headers=app_backend)
    assert listed.json()["consents"] == []  # nothing was stored


async def test_listing_consents_by_state_and_who_may(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
) -> None:
    holder = person()
    first = (await grant(rescode, app_backend, catalog, holder)).json()
    await rescode.client.delete(f"/v1/consents/{first['consent_id']}", headers=app_backend)
    second = (await grant(rescode, app_backend, catalog, holder)).json()
    url = f"/v1/holders/{holder}/consents"
    everything = (await rescode.client.get(url, headers=app_backend)).json()
    assert [c["consent_id"] for c in everything["consents"]] == [
        second["consent_id"],
        first["consent_id"],
    ]
    active = (await rescode.client.get(url, params={"state": "active"}, headers=app_backend)).json()
    assert [c["consent_id"] for c in active["consents"]] == [second["consent_id"]]
    assert (await rescode.client.get(url, headers=counter())).status_code == 403
    assert (await rescode.client.get(url)).status_code == 401
    bad = await rescode.client.get("/v1/holders/111:123/consents", headers=app_backend)
    assert bad.status_code == 422


async def test_an_organisation_consents_to_its_own_licences(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
    publisher: Publisher,
) -> None:
    company, staff = organisation(), person()
    business = licence_issued(company, catalog.business, type_name="营业执照")
    await publisher.publish(business)
    await wait_for_row(
        rescode.runtime,
        sa.select(WalletLicence).where(WalletLicence.licence_id == str(business.licence_id)),
    )
    response = await grant(
        rescode,
        app_backend,
        catalog,
        company,
        department=catalog.civil,
        item_seq_no=catalog.business_item,
        licence_types=[catalog.business],
    )
    assert response.status_code == 201, response.text
    mandate = await rescode.client.post(
        "/v1/mandates",
        json={
            "principal": company,
            "agent": staff,
            "relation": "company_staff",
            "items": [catalog.business_item],
            "valid_until": later(30),
        },
        headers=app_backend,
    )
    assert mandate.status_code == 201, mandate.text
    code = await rescode.client.post(
        "/v1/codes", json={"holder": company, "agent": staff}, headers=app_backend
    )
    seen = await rescode.client.post(
        "/v1/codes/resolve",
        json={
            "code": code.json()["qr"]["payload"],
            "item_seq_no": catalog.business_item,
            "purpose": "变更登记",
        },
        headers=counter(catalog.civil),
    )
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert body["consented"] is True
    assert [lic["licence_id"] for lic in body["licences"]] == [str(business.licence_id)]
    assert body["acting"]["relation"] == "company_staff"


async def test_a_consent_that_would_show_nothing_is_not_used_up(
    rescode: RunningService,
    app_backend: Headers,
    counter: Callable[..., Headers],
    catalog: SampleCatalog,
) -> None:
    holder = person()
    response = await grant(
        rescode,
        app_backend,
        catalog,
        holder,
        department=catalog.civil,
        item_seq_no=None,
        licence_types=[catalog.marriage],
    )
    assert response.status_code == 201, response.text
    # Item 202 needs only a business licence: the consent has nothing to show there.
    seen = await scan(
        rescode, app_backend, counter(catalog.civil), holder, item=catalog.business_item
    )
    assert (seen["consented"], seen["licences"]) == (False, [])
    listed = await rescode.client.get(f"/v1/holders/{holder}/consents", headers=app_backend)
    assert listed.json()["consents"][0]["state"] == "active"
