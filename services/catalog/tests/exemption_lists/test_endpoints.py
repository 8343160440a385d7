"""``/v1/exemption-lists``: the plan's first batch, publishing, immutability, diffs."""

from __future__ import annotations

from typing import Any

import pytest

from wuzheng.catalog.testing import EventTap, outbox_envelopes
from wuzheng.contracts.events.catalog import ExemptionListPublished
from wuzheng.service.testing import RunningService


def batch(number: int, items: list[int], date: str = "2022-12-31", **extra: Any) -> dict[str, Any]:
    title = f"第{number}批免证办事项清单"
    return {"batch": number, "date": date, "title": title, "items": items, **extra}


async def test_the_plans_first_batch_is_published_on_first_start(catalog: RunningService) -> None:
    overview = (await catalog.client.get("/v1/exemption-lists")).json()
    assert [b["batch"] for b in overview["batches"]] == [1]
    first = overview["current"]
    assert first["batch"] == 1
    assert first["date"] == "2022-09-30"
    assert first["title"] == "第一批电子证照证明免提交事项清单"
    assert first["item_count"] == 664

    current = (await catalog.client.get("/v1/exemption-lists/current")).json()
    assert current["batch"] == 1
    assert [i["seq_no"] for i in current["items"]] == list(range(1, 665))
    assert current["items"][40] == {
        "seq_no": 41,
        "name": "普通护照签发",
        "department": "public-security",
    }
    assert (await catalog.client.get("/v1/exemption-lists/1")).json() == current


async def test_nothing_published_yet(empty_catalog: RunningService) -> None:
    overview = (await empty_catalog.client.get("/v1/exemption-lists")).json()
    assert overview == {"batches": [], "current": None}
    assert (await empty_catalog.client.get("/v1/exemption-lists/current")).status_code == 404


async def test_publish_batches_and_compare_them(
    catalog: RunningService, write_headers: dict[str, str], tap: EventTap
) -> None:
    client = catalog.client
    second = await client.post(
        "/v1/exemption-lists", json=batch(2, list(range(1, 11))), headers=write_headers
    )
    assert second.status_code == 201, second.text
    assert second.json()["item_count"] == 10
    assert [i["seq_no"] for i in second.json()["items"]] == list(range(1, 11))
    third = await client.post(
        "/v1/exemption-lists",
        json=batch(3, [*range(5, 21), 664], date="2023-03-31"),
        headers=write_headers,
    )
    assert third.status_code == 201, third.text

    published = await tap.wait_for("catalog.exemption_list.published", count=2)
    assert all(isinstance(p, ExemptionListPublished) for p in published)
    assert [(p.batch, len(p.items)) for p in published] == [(2, 10), (3, 17)]
    assert published[1].items == (*range(5, 21), 664)
    assert str(published[1].date) == "2023-03-31"

    overview = (await client.get("/v1/exemption-lists")).json()
    assert [b["batch"] for b in overview["batches"]] == [1, 2, 3]
    assert overview["current"]["batch"] == 3
    assert (await client.get("/v1/exemption-lists/current")).json()["batch"] == 3

    diff = (await client.get("/v1/exemption-lists/2/diff/3")).json()
    assert diff["from_batch"] == 2
    assert diff["to_batch"] == 3
    assert [i["seq_no"] for i in diff["added"]] == [*range(11, 21), 664]
    assert [i["seq_no"] for i in diff["removed"]] == [1, 2, 3, 4]
    assert diff["removed"][0] == {
        "seq_no": 1,
        "name": "残疾人证注销",
        "department": "disabled-persons-federation",
    }
    assert diff["unchanged_count"] == 6
    backwards = (await client.get("/v1/exemption-lists/3/diff/2")).json()
    assert backwards["added"] == diff["removed"]
    assert backwards["removed"] == diff["added"]
    from_first = (await client.get("/v1/exemption-lists/1/diff/2")).json()
    assert from_first["added"] == []
    assert len(from_first["removed"]) == 654

    in_batch = await client.get("/v1/items", params={"batch": 3, "q": "残疾"})
    assert [i["seq_no"] for i in in_batch.json()["items"]] == [5, 6, 7]
    assert in_batch.json()["items"][0]["batches"] == [1, 2, 3]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (batch(2, [1, 9999, 10000, 3]), "body.items", "unknown items: 9999, 10000"),
        (batch(2, [1, 2, 2, 3, 3]), "body.items", "listed more than once: 2, 3"),
        (batch(2, [1, 99999999999999999999]), "body.items.1", None),  # found by the sweep
        (batch(2, [0]), "body.items.0", None),
        (batch(2, []), "body.items", None),
        (batch(2, [1], date="2022-09-01"), "body.date", "earlier than batch 1"),
        (batch(2, [1], date="2022-13-01"), "body.date", None),
        (batch(0, [1]), "body.batch", None),
        (batch(2, [1], title=""), "body.title", None),
        (batch(2, [1], items_file="x.csv"), "body.items_file", None),
    ],
)
async def test_bad_batches_are_422_and_publish_nothing(
    catalog: RunningService,
    write_headers: dict[str, str],
    body: dict[str, Any],
    field: str,
    message: str | None,
) -> None:
    events = len(await outbox_envelopes(catalog.runtime))
    response = await catalog.client.post("/v1/exemption-lists", json=body, headers=write_headers)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    if message is not None:
        assert message in response.json()["errors"][0]["message"]
    overview = (await catalog.client.get("/v1/exemption-lists")).json()
    assert [b["batch"] for b in overview["batches"]] == [1]
    assert len(await outbox_envelopes(catalog.runtime)) == events


async def test_published_batches_are_immutable(
    catalog: RunningService, write_headers: dict[str, str]
) -> None:
    client = catalog.client
    again = await client.post("/v1/exemption-lists", json=batch(1, [1]), headers=write_headers)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/published-batch-immutable")
    for method in ("PUT", "PATCH", "DELETE"):
        response = await client.request(
            method, "/v1/exemption-lists/1", json=batch(1, [1, 2]), headers=write_headers
        )
        assert response.status_code == 409, method
        assert response.headers["content-type"] == "application/problem+json"
        assert "published batches are immutable" in response.json()["detail"]
        unknown = await client.request(method, "/v1/exemption-lists/7", headers=write_headers)
        assert unknown.status_code == 404, method
        assert (await client.request(method, "/v1/exemption-lists/1")).status_code == 401
        reader = catalog.auth("public-security", "licences:read")
        forbidden = await client.request(method, "/v1/exemption-lists/1", headers=reader)
        assert forbidden.status_code == 403
    assert (await client.get("/v1/exemption-lists/1")).json()["item_count"] == 664

    await client.post("/v1/exemption-lists", json=batch(3, [1]), headers=write_headers)
    late = await client.post("/v1/exemption-lists", json=batch(2, [1]), headers=write_headers)
    assert late.status_code == 409
    assert late.json()["type"].endswith("/batch-out-of-order")


async def test_publishing_needs_the_operator_scope(catalog: RunningService) -> None:
    body = batch(2, [1])
    assert (await catalog.client.post("/v1/exemption-lists", json=body)).status_code == 401
    reader = catalog.auth("public-security", "verify:request")
    forbidden = await catalog.client.post("/v1/exemption-lists", json=body, headers=reader)
    assert forbidden.status_code == 403


async def test_unknown_batches_are_404(catalog: RunningService) -> None:
    for path in ("/9", "/1/diff/9", "/9/diff/1"):
        path = f"/v1/exemption-lists{path}"  # noqa: PLW2901
        response = await catalog.client.get(path)
        assert response.status_code == 404, path
        assert "no published batch 9" in response.json()["detail"]
    malformed = await catalog.client.get("/v1/exemption-lists/first")
    assert malformed.status_code == 422
    assert [e["field"] for e in malformed.json()["errors"]] == ["path.batch"]
