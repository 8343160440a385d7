"""Filing: routing to the responsible department, and every kind of bad input."""

from __future__ import annotations

import asyncio
from typing import Any

from wuzheng.contracts import LicenceId
from wuzheng.dispute.models import Dispute
from wuzheng.dispute.testing import (
    CIVIL_AFFAIRS,
    ID_CARD,
    PUBLIC_SECURITY,
    EventTap,
    World,
    licence_amended,
    licence_dispute,
    publish,
    row_count,
)
from wuzheng.messaging.testing import wait_until


async def file(world: World, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return await world.service.client.post(
        "/v1/disputes", json=body, headers=headers or world.app()
    )


def problem_fields(response: Any) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return [error["field"] for error in response.json().get("errors", [])]


async def test_unknown_licence_is_404_and_someone_elses_is_403(world: World) -> None:
    unknown = LicenceId.build(ID_CARD, world.alice_card.issuer_code, "9999999999")
    body = licence_dispute(world.alice_card, holder=world.alice)
    body["target"]["licence_id"] = str(unknown)
    missing = await file(world, body)
    assert missing.status_code == 404
    assert str(unknown) in missing.json()["detail"]

    not_hers = await file(world, licence_dispute(world.bob_card, holder=world.alice))
    assert not_hers.status_code == 403
    assert not_hers.json()["type"].endswith("/not-holders-licence")
    counter = await file(
        world,
        licence_dispute(world.bob_card, holder=world.alice, filed_as="counter", channel="hall"),
        world.service.auth("administrative-approval", "disputes:file"),
    )
    assert counter.status_code == 403
    assert await row_count(world.service.runtime, Dispute.__table__) == 0


async def test_an_operator_files_without_a_holder_and_the_holder_still_sees_it(
    world: World,
) -> None:
    operator = world.service.auth("hotline-12345", "disputes:file", operator="op-7")
    response = await file(
        world,
        licence_dispute(world.bob_card, filed_as="operator", channel="hotline"),
        operator,
    )
    assert response.status_code == 201, response.text
    assert response.json()["holder"] is None
    assert response.json()["filed_by"] == {"department": "hotline-12345", "operator": "op-7"}
    mine = await world.service.client.get(
        "/v1/disputes", params={"holder": str(world.bob)}, headers=world.app()
    )
    assert [d["id"] for d in mine.json()["items"]] == [response.json()["id"]]
    # The department that filed a dispute may follow and withdraw it.
    dispute_id = response.json()["id"]
    seen = await world.service.client.get(f"/v1/disputes/{dispute_id}", headers=operator)
    assert seen.status_code == 200
    assert seen.json()["allowed_actions"] == ["withdraw"]
    other = world.service.auth("another-hotline", "disputes:file")
    assert (
        await world.service.client.get(f"/v1/disputes/{dispute_id}", headers=other)
    ).status_code == 404


def evidence(
    uri: str = "https://a.example/1", media_type: str = "application/pdf", size: int = 1
) -> list[dict[str, Any]]:
    return [{"uri": uri, "media_type": media_type, "size_bytes": size}]


def target(**values: Any) -> dict[str, Any]:
    return {"target": values}


BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"holder": None}, "body.holder"),
    ({"claimed_value": ""}, "body.claimed_value"),
    ({"claimed_value": "x" * 1001}, "body.claimed_value"),
    ({"channel": "fax"}, "body.channel"),
    ({"filed_as": "robot"}, "body.filed_as"),
    ({"unexpected": 1}, "body.unexpected"),
    (target(kind="licence", licence_id="1.2.3", field="x"), "body.target.licence.licence_id"),
    (target(kind="planet", field="x"), "body.target"),
    (target(kind="item", item_seq_no=0, field="name"), "body.target.item.item_seq_no"),
    (target(kind="item", item_seq_no=1, field="../etc"), "body.target.item.field"),
    ({"holder": "111:370784199001011230"}, "body.holder"),
    ({"evidence": evidence() * 6}, "body.evidence"),
    ({"evidence": evidence("https://a.example/" + "x" * 500)}, "body.evidence.0.uri"),
    ({"evidence": evidence("ftp://a.example/1")}, "body.evidence.0.uri"),
    ({"evidence": evidence("javascript:alert(1)")}, "body.evidence.0.uri"),
    ({"evidence": evidence("https://user:pw@a.example/1")}, "body.evidence.0.uri"),
    ({"evidence": evidence("https:///nohost")}, "body.evidence.0.uri"),
    ({"evidence": evidence("https://a.example/a b")}, "body.evidence.0.uri"),
    ({"evidence": evidence("https://a.example:99999/")}, "body.evidence.0.uri"),
    ({"evidence": evidence(media_type="text/html")}, "body.evidence.0.media_type"),
    ({"evidence": evidence(size=21 * 1024 * 1024)}, "body.evidence.0.size_bytes"),
    ({"evidence": evidence(size=0)}, "body.evidence.0.size_bytes"),
]


async def test_bad_input_is_422_naming_the_field_and_changes_nothing(world: World) -> None:
    for change, field in BAD_INPUT:
        body = licence_dispute(world.alice_card, holder=world.alice)
        for key, value in change.items():
            if value is None:
                body.pop(key)
            else:
                body[key] = value
        response = await file(world, body)
        assert response.status_code == 422, (change, response.text)
        fields = problem_fields(response)
        assert any(f.startswith(field) for f in fields), (change, fields)
    assert await row_count(world.service.runtime, Dispute.__table__) == 0


async def test_unknown_field_of_the_licence_type_is_422(world: World) -> None:
    response = await file(
        world, licence_dispute(world.alice_card, holder=world.alice, field="colour")
    )
    assert response.status_code == 422
    assert problem_fields(response) == ["body.target.field"]
    assert "no field 'colour'" in response.json()["detail"]


async def test_one_open_dispute_per_licence_field(world: World) -> None:
    first = await file(world, licence_dispute(world.alice_card, holder=world.alice))
    assert first.status_code == 201
    second = await file(world, licence_dispute(world.alice_card, holder=world.alice))
    assert second.status_code == 409
    assert second.json()["dispute_id"] == first.json()["id"]
    other_field = await file(
        world, licence_dispute(world.alice_card, holder=world.alice, field="holder_name")
    )
    assert other_field.status_code == 201


async def test_concurrent_filings_about_one_field_open_one_dispute(world: World) -> None:
    # Five counters file the same objection at once: each checks "none open" before any
    # has committed, so only the database can keep it to one.
    body = licence_dispute(world.alice_card, holder=world.alice)
    responses = await asyncio.gather(*(file(world, body) for _ in range(5)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 409, 409, 409, 409], [r.text for r in responses]
    opened = next(r.json()["id"] for r in responses if r.status_code == 201)
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {problem["dispute_id"] for problem in refused} == {opened}
    assert await row_count(world.service.runtime, Dispute.__table__) == 1


async def test_a_superseded_version_is_409_naming_the_current_one(world: World) -> None:
    amended = licence_amended(world.alice_card, dispute_id=None, changed_fields=["address"])
    await publish(world.service.runtime, amended)

    async def superseded() -> bool:
        response = await file(world, licence_dispute(world.alice_card, holder=world.alice))
        return response.status_code == 409

    await wait_until(superseded, timeout=10, message="the amendment reached the read model")
    response = await file(world, licence_dispute(world.alice_card, holder=world.alice))
    assert response.json()["current_licence_id"] == str(amended.licence_id)
    current = await file(world, licence_dispute(amended, holder=world.alice))
    assert current.status_code == 201


async def test_catalog_entries_are_routed_to_their_department(world: World, tap: EventTap) -> None:
    operator = world.service.auth("administrative-approval", "disputes:file")
    item = await file(
        world,
        {
            "target": {"kind": "item", "item_seq_no": 101, "field": "materials"},
            "claimed_value": "结婚登记不再需要户口簿原件",
            "filed_as": "operator",
            "channel": "website",
        },
        operator,
    )
    assert item.status_code == 201, item.text
    assert item.json()["department"] == CIVIL_AFFAIRS
    assert item.json()["target"] == {
        "kind": "item", "ref": "item:101", "licence_id": None,
        "item_seq_no": 101, "licence_type_code": None,
    }  # fmt: skip
    licence_type = await file(
        world,
        {
            "target": {"kind": "licence_type", "code": ID_CARD, "field": "fields"},
            "claimed_value": "缺少签发机关字段",
            "filed_as": "operator",
            "channel": "hotline",
        },
        operator,
    )
    assert licence_type.status_code == 201
    assert licence_type.json()["department"] == PUBLIC_SECURITY
    unknown = await file(
        world,
        {
            "target": {"kind": "item", "item_seq_no": 9999, "field": "name"},
            "claimed_value": "x",
            "filed_as": "operator",
            "channel": "website",
        },
        operator,
    )
    assert unknown.status_code == 404
    opened = await tap.wait_for("dispute.case.opened", count=2)
    assert {event.catalog_ref for event in opened} == {"item:101", f"licence_type:{ID_CARD}"}
    assert all(event.licence_id is None for event in opened)

    # A catalog entry's dispute is resolved (and closed) by its department directly.
    staff = world.staff(CIVIL_AFFAIRS)
    dispute_id = item.json()["id"]
    client = world.service.client
    await client.post(f"/v1/disputes/{dispute_id}/accept", json={}, headers=staff)
    await client.post(f"/v1/disputes/{dispute_id}/process", json={}, headers=staff)
    resolved = await client.post(
        f"/v1/disputes/{dispute_id}/resolve",
        json={"note": "已在事项目录中更正", "corrections": {}},
        headers=staff,
    )
    assert resolved.status_code == 200, resolved.text
    closed = (await tap.wait_for("dispute.case.closed"))[0]
    assert closed.dispute_id == dispute_id
    assert closed.outcome == "resolved"


async def test_resolving_a_licence_needs_known_corrections(world: World) -> None:
    client = world.service.client
    staff = world.staff()
    dispute_id = (await file(world, licence_dispute(world.alice_card, holder=world.alice))).json()[
        "id"
    ]
    await client.post(f"/v1/disputes/{dispute_id}/accept", json={}, headers=staff)
    await client.post(f"/v1/disputes/{dispute_id}/process", json={}, headers=staff)
    for corrections, field in (
        ({}, "body.corrections"),
        ({"colour": "red"}, "body.corrections.colour"),
        ({"bad key!": "x"}, "body.corrections"),
        ({f"f{i}": "x" for i in range(21)}, "body.corrections"),
        ({"address": "x" * 1001}, "body.corrections.address"),
    ):
        response = await client.post(
            f"/v1/disputes/{dispute_id}/resolve",
            json={"note": "n", "corrections": corrections},
            headers=staff,
        )
        assert response.status_code == 422, (corrections, response.text)
        assert any(f.startswith(field) for f in problem_fields(response)), problem_fields(response)
    missing_note = await client.post(
        f"/v1/disputes/{dispute_id}/resolve", json={"corrections": {"address": "x"}}, headers=staff
    )
    assert missing_note.status_code == 422
    state = (await client.get(f"/v1/disputes/{dispute_id}", headers=staff)).json()["state"]
    assert state == "processing"


async def test_tokens_and_scopes(world: World) -> None:
    client = world.service.client
    body = licence_dispute(world.alice_card, holder=world.alice)
    assert (await client.post("/v1/disputes", json=body)).status_code == 401
    wrong = await client.post("/v1/disputes", json=body, headers=world.staff())
    assert wrong.status_code == 403
    assert wrong.json()["missing_scopes"] == ["disputes:file"]
    malformed = await client.get("/v1/disputes/not-an-id", headers=world.staff())
    assert malformed.status_code == 422
    nothing = await client.get(
        "/v1/disputes/01900000-0000-7000-8000-000000000000", headers=world.staff()
    )
    assert nothing.status_code == 404
