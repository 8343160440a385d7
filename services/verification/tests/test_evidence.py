"""``POST /v1/evidence-requests``: every material of the item, with or without consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nats.aio.msg import Msg

from wuzheng.contracts import EventEnvelope, LicenceStatus
from wuzheng.contracts.events.rescode import ConsentRevoked, ConsentScope
from wuzheng.contracts.events.verification import VerificationCompleted
from wuzheng.messaging.testing import wait_until
from wuzheng.service.testing import RunningService
from wuzheng.verification.testing import (
    ID_CARD,
    ORGANISATION,
    PERSON,
    RESCODE_SOURCE,
    Mesh,
)


def request(
    consent: str | None = None, item: int = 5, holder: str = str(PERSON)
) -> dict[str, object]:
    body: dict[str, object] = {"item_seq_no": item, "holder": holder, "purpose": "残疾人证换领"}
    if consent is not None:
        body["consent_token"] = consent
    return body


async def test_with_consent_every_material_is_resolved(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    old = mesh.peer.issue(ID_CARD, PERSON, {"holder_name": "旧"}, status=LicenceStatus.SUPERSEDED)
    card = mesh.peer.issue(
        ID_CARD,
        PERSON,
        {"holder_name": "张三", "holder_code": "370784199001011239", "address": "x"},
    )
    await mesh.issue(old)
    await mesh.issue(card)
    await mesh.grant_consent("consent-1")
    response = await verification.client.post(
        "/v1/evidence-requests", json=request("consent-1"), headers=counter
    )
    assert response.status_code == 200, response.text
    out = response.json()
    statuses = {m["position"]: m["status"] for m in out["materials"]}
    assert statuses == {
        1: "licence",
        2: "commitment",
        3: "department_check",
        4: "not_needed",
        5: "submit",
    }
    licence = out["materials"][0]["licence"]
    assert licence["licence_id"] == card.licence_id
    assert licence["outcome"] == "valid"
    # Form fields filled from the licence fields the field library maps them to.
    assert licence["fields"] == {
        "applicant_name": "张三",
        "applicant_id_number": "370784199001011239",
    }
    assert licence["unmapped_fields"] == ["photo"]
    assert out["materials"][1]["commitment_text"] == "本人承诺所填信息真实。"
    assert out["materials"][4]["reason"] == "paper"
    assert out["summary"] == {
        "materials": 5,
        "resolved": 4,
        "to_submit": 1,
        "consent_required": 0,
        "nothing_to_submit": False,
    }
    assert out["consent"]["consent_id"] == "consent-1"
    assert mesh.peer.requests[-1]["fields"] == ["holder_code", "holder_name"]


async def test_without_consent_only_what_needs_none(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    card = mesh.peer.issue(ID_CARD, PERSON, {"holder_name": "张三"})
    await mesh.issue(card)
    response = await verification.client.post(
        "/v1/evidence-requests", json=request(), headers=counter
    )
    assert response.status_code == 200, response.text
    out = response.json()
    statuses = [m["status"] for m in out["materials"]]
    assert statuses == [
        "consent_required",
        "commitment",
        "consent_required",
        "not_needed",
        "submit",
    ]
    assert "张三" not in response.text
    assert mesh.peer.calls == 0
    # An organisation's department check touches no personal data: no consent needed.
    organisation = await verification.client.post(
        "/v1/evidence-requests", json=request(holder=str(ORGANISATION)), headers=counter
    )
    assert [m["status"] for m in organisation.json()["materials"]][2] == "department_check"


async def test_nothing_to_submit_and_missing_licences(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    await mesh.grant_consent("window-1", scope=ConsentScope.WINDOW, item=None)
    missing = await verification.client.post(
        "/v1/evidence-requests", json=request("window-1", item=8), headers=counter
    )
    assert missing.status_code == 200, missing.text
    first = missing.json()["materials"][0]
    assert (first["status"], first["reason"]) == ("submit", "no_licence")
    card = mesh.peer.issue(ID_CARD, PERSON)
    await mesh.issue(card)
    found = await verification.client.post(
        "/v1/evidence-requests", json=request("window-1", item=8), headers=counter
    )
    assert found.json()["summary"]["nothing_to_submit"] is True  # a window consent is reusable
    mesh.peer.licences[card.licence_id].status = LicenceStatus.REVOKED
    revoked = await verification.client.post(
        "/v1/evidence-requests", json=request("window-1", item=8), headers=counter
    )
    first = revoked.json()["materials"][0]
    assert (first["status"], first["reason"]) == ("submit", "revoked")


async def test_consent_refusals_are_403_and_recorded(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    await mesh.grant_consent("once")
    await mesh.grant_consent("elsewhere", department="taxation")
    await mesh.grant_consent("other-item", item=8)
    await mesh.grant_consent("someone-else", holder="111:11010519491231002X")
    await mesh.grant_consent("expired", valid_for=timedelta(seconds=-1))
    await mesh.grant_consent("revoked")
    await mesh.publish(
        ConsentRevoked(consent_id="revoked", holder=PERSON, revoked_at=datetime.now(UTC)),
        RESCODE_SOURCE,
    )
    await mesh.wait("consents", "consent_id = 'revoked' AND revoked_at IS NOT NULL")

    first = await verification.client.post(
        "/v1/evidence-requests", json=request("once"), headers=counter
    )
    assert first.status_code == 200
    expected = {
        "once": "already been used",
        "elsewhere": "another department",
        "other-item": "for item 8",
        "someone-else": "another holder",
        "expired": "expired",
        "revoked": "revoked",
        "never-granted": "unknown consent",
    }
    for token, reason in expected.items():
        response = await verification.client.post(
            "/v1/evidence-requests", json=request(token), headers=counter
        )
        assert response.status_code == 403, token
        assert response.json()["type"].endswith("/consent-invalid")
        assert reason in response.json()["detail"], token
    export = await verification.client.get(
        "/v1/audit/records", headers=verification.auth("audit", "audit:read")
    )
    results = [line for line in export.text.splitlines() if "refused:consent" in line]
    assert len(results) == len(expected)


async def test_evidence_scope_and_unknown_item(verification: RunningService, mesh: Mesh) -> None:
    verifier_only = verification.auth("civil-affairs", "verify:request")
    refused = await verification.client.post(
        "/v1/evidence-requests", json=request(), headers=verifier_only
    )
    assert refused.status_code == 403
    headers = verification.auth("civil-affairs", "evidence:request")
    unknown = await verification.client.post(
        "/v1/evidence-requests", json=request(item=4242), headers=headers
    )
    assert unknown.status_code == 404


async def test_the_event_names_the_consent_and_the_licences_used(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    seen: list[EventEnvelope] = []

    async def collect(msg: Msg) -> None:
        seen.append(EventEnvelope.from_bytes(msg.data))

    runtime = verification.runtime
    subscription = await runtime.nats.nc.subscribe(runtime.subject("verification.>"), cb=collect)
    card = mesh.peer.issue(ID_CARD, PERSON)
    await mesh.issue(card)
    await mesh.grant_consent("c-event", item=8)
    response = await verification.client.post(
        "/v1/evidence-requests", json=request("c-event", item=8), headers=counter
    )
    assert response.status_code == 200, response.text
    await wait_until(lambda: len(seen) >= 1, timeout=10, message="the event")
    await subscription.unsubscribe()
    event = seen[0].payload_as(VerificationCompleted)
    assert event.kind == "evidence_request"
    assert event.consent_id == "c-event"
    assert event.licence_ids == (card.licence_id,)
    assert event.result == "nothing_to_submit"
    assert event.record_id == response.json()["record_id"]
