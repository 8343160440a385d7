"""Department figures and the processing report (JSON and self-contained HTML)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

from wuzheng.dispute.sla.calendar import CST
from wuzheng.dispute.testing import CIVIL_AFFAIRS, PUBLIC_SECURITY, World, licence_dispute


async def scenario(world: World) -> dict[str, str]:
    """Monday 09:00 three disputes; one handled on time, one late and rejected, one left."""
    client, staff, clock = world.service.client, world.staff(), world.clock
    ids = {}
    ids["a"] = (
        await client.post(
            "/v1/disputes",
            json=licence_dispute(world.alice_card, holder=world.alice),
            headers=world.app(),
        )
    ).json()["id"]
    ids["b"] = (
        await client.post(
            "/v1/disputes",
            json=licence_dispute(
                world.bob_card,
                holder=world.bob,
                field="holder_name",
                channel="hall",
                filed_as="counter",
            ),
            headers=world.service.auth("administrative-approval", "disputes:file"),
        )
    ).json()["id"]
    ids["c"] = (
        await client.post(
            "/v1/disputes",
            json={
                "target": {"kind": "item", "item_seq_no": 101, "field": "materials"},
                "claimed_value": "x",
                "filed_as": "operator",
                "channel": "hotline",
            },
            headers=world.service.auth("hotline-12345", "disputes:file"),
        )
    ).json()["id"]
    clock.advance(hours=2)  # Monday 11:00
    await client.post(f"/v1/disputes/{ids['a']}/accept", json={}, headers=staff)
    await client.post(f"/v1/disputes/{ids['a']}/process", json={}, headers=staff)
    clock.advance(hours=22)  # Tuesday 09:00
    await client.post(
        f"/v1/disputes/{ids['a']}/resolve",
        json={"note": "n", "corrections": {"address": "新住址"}},
        headers=staff,
    )
    clock.advance(hours=1)  # Tuesday 10:00: B's accept clock ran out at 09:00
    await client.post(f"/v1/disputes/{ids['b']}/accept", json={}, headers=staff)
    clock.advance(days=1, hours=-1)  # Wednesday 09:00
    await client.post(f"/v1/disputes/{ids['b']}/reject", json={"reason": "不符"}, headers=staff)
    clock.set(dt.datetime(2025, 3, 6, 12, tzinfo=CST))  # Thursday noon
    return ids


async def test_department_figures(world: World) -> None:
    await scenario(world)
    response = await world.service.client.get("/v1/reports/departments", headers=world.reports())
    assert response.status_code == 200, response.text
    report = response.json()
    by_code = {d["department"]: d for d in report["departments"]}
    police = by_code[PUBLIC_SECURITY]
    assert police["name"] == "公安局"
    expected: dict[str, Any] = {
        "received": 2,
        "accepted": 2,
        "accepted_on_time": 1,
        "accepted_on_time_rate": 0.5,
        "decided": 2,
        "resolved": 1,
        "rejected": 1,
        "resolved_on_time": 2,
        "resolved_on_time_rate": 1.0,
        "open": 0,
        "overdue_now": 0,
        "median_hours_to_accept": 13.5,  # 2 h and 25 h
        "median_working_hours_to_accept": 13.5,
        "median_hours_to_resolve": 36.0,  # 24 h and 48 h
        "rejection_rate": 0.5,
        "correction_share": 0.5,
        "corrections_pending": 1,
        "corrections_propagated": 0,
    }
    assert {key: police[key] for key in expected} == expected
    civil = by_code[CIVIL_AFFAIRS]
    assert (civil["received"], civil["open"], civil["overdue_now"]) == (1, 1, 1)
    assert civil["median_hours_to_accept"] is None
    assert civil["rejection_rate"] is None
    assert report["totals"]["received"] == 3
    assert report["totals"]["overdue_now"] == 1
    assert [d["department"] for d in report["departments"]] == [PUBLIC_SECURITY, CIVIL_AFFAIRS]

    # Only Monday's filings, then a day with none.
    monday = await world.service.client.get(
        "/v1/reports/departments",
        params={"from": "2025-03-03", "to": "2025-03-03"},
        headers=world.reports(),
    )
    assert monday.json()["totals"]["received"] == 3
    tuesday = await world.service.client.get(
        "/v1/reports/departments", params={"from": "2025-03-04"}, headers=world.reports()
    )
    assert tuesday.json()["departments"] == []
    assert tuesday.json()["totals"]["received"] == 0


async def test_working_time_medians_skip_the_weekend(world: World) -> None:
    client, staff = world.service.client, world.staff()
    world.clock.set(dt.datetime(2025, 3, 7, 18, tzinfo=CST))  # Friday 18:00
    dispute_id = (
        await client.post(
            "/v1/disputes",
            json=licence_dispute(world.alice_card, holder=world.alice),
            headers=world.app(),
        )
    ).json()["id"]
    world.clock.set(dt.datetime(2025, 3, 10, 8, tzinfo=CST))  # Monday 08:00
    await client.post(f"/v1/disputes/{dispute_id}/accept", json={}, headers=staff)
    figures = (await client.get("/v1/reports/departments", headers=world.reports())).json()
    police = figures["departments"][0]
    assert police["median_hours_to_accept"] == 62.0
    assert police["median_working_hours_to_accept"] == 14.0  # 6 h Friday + 8 h Monday
    assert police["accepted_on_time_rate"] == 1.0


async def test_processing_report_json_and_html(world: World) -> None:
    ids = await scenario(world)
    client = world.service.client
    response = await client.get("/v1/reports/processing", headers=world.reports())
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["title"] == "异议数据处理报告"
    assert (report["period_from"], report["period_to"]) == ("2025-02-05", "2025-03-06")
    assert len(report["daily"]) == 30
    days = {d["day"]: d for d in report["daily"]}
    assert days["2025-03-03"] == {"day": "2025-03-03", "received": 3, "closed": 0}
    assert days["2025-03-04"]["closed"] == 1
    assert days["2025-03-05"]["closed"] == 1
    assert report["received"] == 3
    assert report["closed_in_period"] == 2
    assert report["by_state"] == {
        "submitted": 1, "accepted": 0, "processing": 0,
        "resolved": 1, "rejected": 1, "withdrawn": 0,
    }  # fmt: skip
    assert report["by_channel"] == {"app": 1, "hall": 1, "hotline": 1}
    assert report["by_kind"] == {"licence": 2, "item": 1}
    assert report["corrections"]["licence_corrections"] == 1
    assert report["corrections"]["pending"] == 1
    fields = {(f["subject"], f["field"]): f for f in report["top_fields"]}
    assert fields[("item:101", "materials")]["subject_name"] == "婚姻登记"
    assert fields[("11370784PH40135152001", "address")]["subject_name"] == "居民身份证"
    assert ids["a"] not in response.text  # a report of figures, not of cases

    # The watcher escalates C (accept and resolve clocks) — counted in the period.
    assert world.context.watcher is not None
    await world.context.watcher.run_once()
    escalated = (await client.get("/v1/reports/processing", headers=world.reports())).json()
    assert escalated["escalations_in_period"] == 1  # C's accept clock; resolve due next Monday

    html = await client.get(
        "/v1/reports/processing",
        params={"from": "2025-02-20", "to": "2025-03-06", "format": "html"},
        headers=world.reports(),
    )
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    page = html.text
    assert page.startswith("<!doctype html>")
    assert "异议数据处理报告" in page
    assert "2025-02-20" in page
    assert page.count("<svg") >= 4
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing external
    assert "公安局" in page
    assert "婚姻登记" in page
    assert "<" not in "".join(re.findall(r"<title>([^<]*)</title>", page))
    out = os.environ.get("DISPUTE_REPORT_HTML")
    if out:  # render it for a look: DISPUTE_REPORT_HTML=/tmp/report.html pytest ...
        await asyncio.to_thread(Path(out).write_text, page, encoding="utf-8")


async def test_report_bad_input_and_scopes(world: World) -> None:
    client = world.service.client
    reader = world.reports()
    for params in (
        {"from": "2025-03-06", "to": "2025-03-01"},
        {"from": "2024-01-01", "to": "2025-03-01"},
        {"from": "2025-02-30"},
        {"format": "pdf"},
    ):
        response = await client.get("/v1/reports/processing", params=params, headers=reader)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
    assert (
        await client.get(
            "/v1/reports/departments",
            params={"from": "2025-03-06", "to": "2025-03-01"},
            headers=reader,
        )
    ).status_code == 422
    assert (await client.get("/v1/reports/departments", headers=world.staff())).status_code == 403
    assert (await client.get("/v1/reports/processing")).status_code == 401
    only_to = await client.get(
        "/v1/reports/processing", params={"to": "2025-01-30"}, headers=reader
    )
    assert only_to.json()["period_from"] == "2025-01-01"
