"""``/v1/stats``: counts by licence type, department, item and day; top-N; 免提交率."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from wuzheng.contracts.events.rescode import ConsentScope
from wuzheng.service.testing import RunningService
from wuzheng.verification.testing import ID_CARD, PERSON, Mesh


async def test_usage_top_licences_and_exemption_rate(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    card = mesh.peer.issue(ID_CARD, PERSON, {"holder_name": "张三"})
    second = mesh.peer.issue(ID_CARD, PERSON)
    await mesh.issue(card)
    verify = {"holder": str(PERSON), "item_seq_no": 5, "purpose": "核验"}
    for licence_id in (card.licence_id, card.licence_id, second.licence_id):
        ok = await verification.client.post(
            "/v1/verifications", json={**verify, "licence_id": licence_id}, headers=counter
        )
        assert ok.status_code == 200
    other_counter = verification.auth("water-supply", "verify:request", "evidence:request")
    refused = await verification.client.post(
        "/v1/verifications",
        json={**verify, "licence_id": card.licence_id, "item_seq_no": 99},
        headers=other_counter,
    )
    assert refused.status_code == 403
    await mesh.grant_consent("w", scope=ConsentScope.WINDOW, item=None)
    evidence = {"holder": str(PERSON), "purpose": "办事", "consent_token": "w"}
    for item in (8, 8, 8, 5):  # item 8: nothing to submit; item 5: a paper material
        response = await verification.client.post(
            "/v1/evidence-requests", json={**evidence, "item_seq_no": item}, headers=counter
        )
        assert response.status_code == 200, response.text

    reader = verification.auth("stats", "stats:read")
    by_type = await verification.client.get(
        "/v1/stats/usage", params={"by": "licence_type"}, headers=reader
    )
    assert by_type.status_code == 200, by_type.text
    [row] = by_type.json()["rows"]
    assert (row["key"], row["name"], row["total"]) == (ID_CARD, "居民身份证", 7)

    by_department = await verification.client.get(
        "/v1/stats/usage", params={"by": "department"}, headers=reader
    )
    rows = {r["key"]: r for r in by_department.json()["rows"]}
    assert rows["civil-affairs"]["answered"] == 7
    assert rows["water-supply"]["refused"] == 1
    assert rows["civil-affairs"]["name"] == "安丘市民政局"
    assert rows["water-supply"]["name"] is None  # not in this test's catalogue

    by_item = await verification.client.get(
        "/v1/stats/usage", params={"by": "item", "kind": "evidence_request"}, headers=reader
    )
    assert [(r["key"], r["name"], r["total"]) for r in by_item.json()["rows"]] == [
        ("8", "户口迁移", 3),
        ("5", "残疾人证换领", 1),
    ]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    by_day = await verification.client.get(
        "/v1/stats/usage", params={"by": "day", "from": today.isoformat()}, headers=reader
    )
    assert by_day.json()["rows"] == [
        {
            "key": today.isoformat(),
            "name": None,
            "total": 8,
            "answered": 7,
            "refused": 1,
            "failed": 0,
        }
    ]
    assert by_day.json()["from"] == today.isoformat()
    tomorrow = today + timedelta(days=1)
    empty = await verification.client.get(
        "/v1/stats/usage", params={"by": "day", "from": tomorrow.isoformat()}, headers=reader
    )
    assert empty.json()["rows"] == []

    top = await verification.client.get("/v1/stats/top-licences", params={"n": 50}, headers=reader)
    assert top.json()["rows"] == [
        {"rank": 1, "type_code": ID_CARD, "name": "居民身份证", "uses": 7, "licences": 2}
    ]
    rate = await verification.client.get("/v1/stats/exemption-rate", headers=reader)
    assert rate.json() == {
        "evidence_requests": 4,
        "nothing_to_submit": 3,
        "rate": 0.75,
        "item_seq_no": None,
    }
    item5 = await verification.client.get(
        "/v1/stats/exemption-rate", params={"item_seq_no": 5}, headers=reader
    )
    assert item5.json()["rate"] == 0.0


async def test_stats_input_and_scope(verification: RunningService) -> None:
    reader = verification.auth("stats", "stats:read")
    for params in (
        {"by": "colour"},
        {"by": "day", "from": "2024-02-30"},
        {"by": "day", "from": "2024-03-02", "to": "2024-03-01"},
    ):
        response = await verification.client.get("/v1/stats/usage", params=params, headers=reader)
        assert response.status_code == 422, params
    assert (
        await verification.client.get("/v1/stats/top-licences", params={"n": 0}, headers=reader)
    ).status_code == 422
    forbidden = await verification.client.get(
        "/v1/stats/top-licences", headers=verification.auth("x", "verify:request")
    )
    assert forbidden.status_code == 403
    empty = await verification.client.get("/v1/stats/exemption-rate", headers=reader)
    assert empty.json()["rate"] is None
