"""The workflow end to end with a frozen clock: filing, accepting, processing, deciding,
SLA clocks and their escalation, who may do and see what."""

from __future__ import annotations

import datetime as dt

import httpx

from wuzheng.dispute.app import DEFINITION
from wuzheng.dispute.sla.calendar import CST
from wuzheng.dispute.testing import (
    CIVIL_AFFAIRS,
    MONDAY_9AM,
    EventTap,
    World,
    licence_dispute,
    seed,
)
from wuzheng.messaging.testing import wait_until
from wuzheng.service.testing import ServiceHarness


def cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


async def test_full_workflow_on_time(world: World, tap: EventTap) -> None:
    client = world.service.client
    filed = await client.post(
        "/v1/disputes",
        json=licence_dispute(world.alice_card, holder=world.alice),
        headers=world.app(),
    )
    assert filed.status_code == 201, filed.text
    dispute = filed.json()
    dispute_id = dispute["id"]
    assert dispute["state"] == "submitted"
    assert dispute["department"] == "public-security"  # the licence's issuer
    assert dispute["holder"] == world.alice.masked()
    assert str(world.alice.code) not in filed.text  # the ID number is never shown in clear
    # Monday 09:00: accept by Tuesday 09:00, decide by Monday next week 09:00.
    assert instant(dispute["sla"]["accept_due_at"]) == cst(2025, 3, 4, 9)
    assert instant(dispute["sla"]["resolve_due_at"]) == cst(2025, 3, 10, 9)
    assert dispute["allowed_actions"] == ["withdraw"]

    opened = (await tap.wait_for("dispute.case.opened"))[0]
    assert opened.dispute_id == dispute_id
    assert opened.licence_id == str(world.alice_card.licence_id)
    assert opened.field == "address"

    staff = world.staff()
    seen = (await client.get(f"/v1/disputes/{dispute_id}", headers=staff)).json()
    assert seen["allowed_actions"] == ["accept", "reject"]

    world.clock.advance(hours=3)
    accepted = await client.post(
        f"/v1/disputes/{dispute_id}/accept", json={"note": "已受理"}, headers=staff
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    assert accepted.json()["assignee"] == "clerk-1"
    assert accepted.json()["sla"]["accepted_on_time"] is True

    world.clock.advance(hours=2)
    processing = await client.post(f"/v1/disputes/{dispute_id}/process", json={}, headers=staff)
    assert processing.json()["state"] == "processing"

    world.clock.advance(days=2)
    resolved = await client.post(
        f"/v1/disputes/{dispute_id}/resolve",
        json={
            "note": "经核实户籍档案，住址有误",
            "corrections": {"address": "安丘市兴安街道和平路1号"},
        },
        headers=staff,
    )
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["state"] == "resolved"
    assert body["sla"]["decided_on_time"] is True
    assert body["correction"]["status"] == "pending"
    assert body["allowed_actions"] == []
    history = [(h["action"], h["from_state"], h["to_state"]) for h in body["history"]]
    assert history == [
        ("file", None, "submitted"),
        ("accept", "submitted", "accepted"),
        ("process", "accepted", "processing"),
        ("resolve", "processing", "resolved"),
    ]
    assert [h["actor"]["department"] for h in body["history"]] == [
        "aishandong", "public-security", "public-security", "public-security",
    ]  # fmt: skip
    assert instant(body["history"][-1]["at"]) == cst(2025, 3, 5, 14)
    assert body["history"][1]["note"] == "已受理"

    resolved_event = (await tap.wait_for("dispute.case.resolved"))[0]
    assert resolved_event.licence_id == str(world.alice_card.licence_id)
    assert resolved_event.issuer_code == world.alice_card.issuer_code
    assert resolved_event.corrections == {"address": "安丘市兴安街道和平路1号"}
    # Closed only once the issuer's amended version is recorded (test_corrections.py).
    assert tap.of_type("dispute.case.closed") == []


async def test_illegal_transitions_are_409_naming_the_state(world: World) -> None:
    client = world.service.client
    staff = world.staff()
    dispute_id = (
        await client.post(
            "/v1/disputes",
            json=licence_dispute(world.alice_card, holder=world.alice),
            headers=world.app(),
        )
    ).json()["id"]

    early = await client.post(
        f"/v1/disputes/{dispute_id}/resolve",
        json={"note": "x", "corrections": {"address": "y"}},
        headers=staff,
    )
    assert early.status_code == 409
    assert early.headers["content-type"] == "application/problem+json"
    problem = early.json()
    assert problem["type"].endswith("/illegal-transition")
    assert problem["current_state"] == "submitted"
    assert "is submitted: cannot resolve" in problem["detail"]
    assert problem["allowed_actions"] == ["accept", "reject", "withdraw"]

    assert (
        await client.post(f"/v1/disputes/{dispute_id}/process", json={}, headers=staff)
    ).status_code == 409
    rejected = await client.post(
        f"/v1/disputes/{dispute_id}/reject", json={"reason": "材料不足"}, headers=staff
    )
    assert rejected.status_code == 200
    assert rejected.json()["resolution_note"] == "材料不足"
    again = await client.post(f"/v1/disputes/{dispute_id}/accept", json={}, headers=staff)
    assert again.status_code == 409
    assert again.json()["current_state"] == "rejected"
    assert "(it is closed)" in again.json()["detail"]
    withdraw = await client.post(
        f"/v1/disputes/{dispute_id}/withdraw",
        params={"holder": str(world.alice)},
        json={},
        headers=world.app(),
    )
    assert withdraw.status_code == 409


async def test_only_the_responsible_department_handles(world: World) -> None:
    client = world.service.client
    dispute_id = (
        await client.post(
            "/v1/disputes",
            json=licence_dispute(world.alice_card, holder=world.alice),
            headers=world.app(),
        )
    ).json()["id"]
    other = world.staff(CIVIL_AFFAIRS)
    for action, body in (("accept", {}), ("reject", {"reason": "no"})):
        response = await client.post(
            f"/v1/disputes/{dispute_id}/{action}", json=body, headers=other
        )
        assert response.status_code == 403
        assert response.json()["type"].endswith("/not-responsible-department")
    assert (await client.get(f"/v1/disputes/{dispute_id}", headers=other)).status_code == 403
    # The filer (disputes:file) cannot handle; staff cannot withdraw for the holder.
    assert (
        await client.post(f"/v1/disputes/{dispute_id}/accept", json={}, headers=world.app())
    ).status_code == 403
    staff_withdraw = await client.post(
        f"/v1/disputes/{dispute_id}/withdraw",
        json={},
        headers=world.service.auth("public-security", "disputes:handle", "disputes:file"),
    )
    assert staff_withdraw.status_code == 403
    # Nothing changed.
    seen = await client.get(f"/v1/disputes/{dispute_id}", headers=world.staff())
    assert seen.json()["state"] == "submitted"
    assert len(seen.json()["history"]) == 1


async def test_a_holder_sees_only_their_own_disputes(world: World) -> None:
    client = world.service.client
    app = world.app()
    alice_id = (
        await client.post(
            "/v1/disputes", json=licence_dispute(world.alice_card, holder=world.alice), headers=app
        )
    ).json()["id"]
    bob_id = (
        await client.post(
            "/v1/disputes",
            json=licence_dispute(world.bob_card, holder=world.bob, field="holder_name"),
            headers=app,
        )
    ).json()["id"]

    alice_list = await client.get("/v1/disputes", params={"holder": str(world.alice)}, headers=app)
    assert alice_list.status_code == 200
    assert [d["id"] for d in alice_list.json()["items"]] == [alice_id]
    bob_list = await client.get("/v1/disputes", params={"holder": str(world.bob)}, headers=app)
    assert [d["id"] for d in bob_list.json()["items"]] == [bob_id]

    # Alice's context does not open Bob's dispute, nor withdraw it: it does not exist for her.
    peek = await client.get(
        f"/v1/disputes/{bob_id}", params={"holder": str(world.alice)}, headers=app
    )
    assert peek.status_code == 404
    steal = await client.post(
        f"/v1/disputes/{bob_id}/withdraw", params={"holder": str(world.alice)}, json={}, headers=app
    )
    assert steal.status_code == 404
    # Without a holder context a filer sees nothing; a bad holder code is a 422.
    bare = await client.get("/v1/disputes", headers=app)
    assert bare.status_code == 422
    assert "holder" in bare.json()["detail"]
    bad = await client.get("/v1/disputes", params={"holder": "111:370784199001011230"}, headers=app)
    assert bad.status_code == 422
    # Department staff list their department's disputes; other departments see none.
    staff_list = await client.get("/v1/disputes", headers=world.staff())
    assert {d["id"] for d in staff_list.json()["items"]} == {alice_id, bob_id}
    other = await client.get("/v1/disputes", headers=world.staff(CIVIL_AFFAIRS))
    assert other.json()["total"] == 0
    # A reports reader holds no dispute scope.
    assert (await client.get("/v1/disputes", headers=world.reports())).status_code == 403

    withdrawn = await client.post(
        f"/v1/disputes/{alice_id}/withdraw",
        params={"holder": str(world.alice)},
        json={"note": "已自行到窗口更正"},
        headers=app,
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["state"] == "withdrawn"
    assert withdrawn.json()["sla"]["decided_on_time"] is None  # a withdrawal is no decision


async def accept_breaches(client: httpx.AsyncClient) -> float:
    """The accept-clock breaches /metrics reports, summed over departments."""
    text = (await client.get("/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("wuzheng_dispute_sla_breaches_total{") and 'clock="accept"' in line
    )


async def test_sla_clocks_escalate_once_per_breach(world: World, tap: EventTap) -> None:
    client = world.service.client
    staff = world.staff()
    watcher = world.context.watcher
    assert watcher is not None
    world.clock.set(cst(2025, 3, 7, 17, 0))  # Friday 17:00
    dispute_id = (
        await client.post(
            "/v1/disputes",
            json=licence_dispute(world.alice_card, holder=world.alice),
            headers=world.app(),
        )
    ).json()["id"]
    late_filing = (
        await client.post(
            "/v1/disputes",
            json=licence_dispute(world.bob_card, holder=world.bob),
            headers=world.app(),
        )
    ).json()["id"]

    world.clock.set(cst(2025, 3, 10, 16, 59))  # Monday 16:59: the weekend did not count
    assert await watcher.run_once() == []
    breaches_before = await accept_breaches(client)
    world.clock.set(cst(2025, 3, 10, 17, 1))
    assert sorted(await watcher.run_once()) == sorted(
        [(dispute_id, "accept"), (late_filing, "accept")]
    )
    assert await watcher.run_once() == []  # once per breached clock
    assert await accept_breaches(client) == breaches_before + 2  # what the dashboard counts

    overdue = await client.get("/v1/disputes", params={"overdue": "true"}, headers=staff)
    assert overdue.json()["total"] == 2
    seen = (await client.get(f"/v1/disputes/{dispute_id}", headers=staff)).json()
    assert seen["sla"]["overdue"] == ["accept"]
    assert instant(seen["sla"]["accept_escalated_at"]) == cst(2025, 3, 10, 17, 1)
    assert seen["history"][-1]["kind"] == "escalation"
    assert seen["history"][-1]["action"] == "accept_overdue"

    accepted = await client.post(f"/v1/disputes/{dispute_id}/accept", json={}, headers=staff)
    assert accepted.json()["sla"]["accepted_on_time"] is False
    assert accepted.json()["sla"]["overdue"] == []

    # Resolve clock: Friday 17:00 + 5 working days = Friday 14 March 17:00.
    assert instant(seen["sla"]["resolve_due_at"]) == cst(2025, 3, 14, 17)
    world.clock.set(cst(2025, 3, 14, 17, 30))
    assert sorted(await watcher.run_once()) == sorted(
        [(dispute_id, "resolve"), (late_filing, "resolve")]
    )
    events = await tap.wait_for("dispute.case.escalated", count=4)
    assert sorted((e.dispute_id, e.clock) for e in events) == sorted(
        [
            (dispute_id, "accept"),
            (late_filing, "accept"),
            (dispute_id, "resolve"),
            (late_filing, "resolve"),
        ]
    )
    accept_event = next(e for e in events if e.dispute_id == dispute_id and e.clock == "accept")
    assert accept_event.due_at == cst(2025, 3, 10, 17)
    assert accept_event.department == "public-security"
    # Deciding late is recorded as late.
    await client.post(f"/v1/disputes/{dispute_id}/process", json={}, headers=staff)
    rejected = await client.post(
        f"/v1/disputes/{dispute_id}/reject", json={"reason": "证据不足"}, headers=staff
    )
    assert rejected.json()["sla"]["decided_on_time"] is False
    world.clock.advance(days=30)
    assert await watcher.run_once() == []
    await tap.wait_for("dispute.case.closed")
    assert len(tap.of_type("dispute.case.escalated")) == 4


async def test_overdue_detector_runs_by_itself(service_harness: ServiceHarness) -> None:
    async with service_harness.run(
        DEFINITION, frozen_time=MONDAY_9AM, overdue_check_seconds=0.05
    ) as service:
        alice_card, _ = await seed(service)
        context = service.app.state.dispute
        response = await service.client.post(
            "/v1/disputes",
            json=licence_dispute(alice_card, holder=alice_card.holder),
            headers=service.auth("aishandong", "disputes:file"),
        )
        dispute_id = response.json()["id"]
        context.clock.advance(days=1, minutes=1)
        staff = service.auth("public-security", "disputes:handle")

        async def escalated() -> bool:
            seen = await service.client.get(f"/v1/disputes/{dispute_id}", headers=staff)
            return seen.json()["sla"]["accept_escalated_at"] is not None

        await wait_until(escalated, timeout=10, message="the periodic check escalated")
        assert context.watcher.runs >= 2
        await context.watcher.check()  # part of /readyz
        assert (await service.client.get("/readyz")).status_code == 200
