"""Evidence requests with ``allow_offline``: an unreachable issuer's licence checked against
its cached keys and status list, and recorded as such."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from wuzheng.contracts import HolderCode, LicenceStatus
from wuzheng.contracts.events.rescode import ConsentScope
from wuzheng.service.testing import RunningService
from wuzheng.verification.testing import ID_CARD, ISSUANCE_SOURCE, PERSON, Mesh

OTHER = HolderCode("111:11010519491231002X")


async def grant(mesh: Mesh, holder: HolderCode = PERSON) -> None:
    """A window consent (窗口授权) of ``holder`` for civil-affairs, any item, the ID card."""
    await mesh.grant_consent(
        f"window-{holder.masked()}", scope=ConsentScope.WINDOW, item=None, holder=str(holder)
    )


def evidence(
    *, allow_offline: bool | None = None, holder: HolderCode = PERSON
) -> dict[str, object]:
    body: dict[str, object] = {
        "item_seq_no": 8,  # 居民身份证 and a commitment
        "holder": str(holder),
        "purpose": "户口迁移",
        "consent_token": f"window-{holder.masked()}",
    }
    if allow_offline is not None:
        body["allow_offline"] = allow_offline
    return body


async def ask(verification: RunningService, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    response = await verification.client.post(
        "/v1/evidence-requests", json=evidence(**kw), headers=headers
    )
    assert response.status_code == 200, response.text
    out: dict[str, Any] = response.json()
    return out


async def records(verification: RunningService) -> list[dict[str, Any]]:
    export = await verification.client.get(
        "/v1/audit/records", headers=verification.auth("audit", "audit:read")
    )
    assert export.status_code == 200, export.text
    lines = [json.loads(line) for line in export.text.splitlines()]
    return [line for line in lines if line["kind"] == "evidence_request"]


async def test_an_unreachable_issuer_s_licence_is_checked_offline_when_allowed(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    card = mesh.peer.issue(
        ID_CARD,
        PERSON,
        {"holder_name": "张三", "holder_code": "370784199001011239"},
        valid_until=datetime.now(UTC).date() + timedelta(days=365),
    )
    await mesh.issue(card)
    await grant(mesh)
    # A counter scanned the card's QR code once: its sealed copy is kept here.
    scanned = await verification.client.post(
        "/v1/verifications",
        json={"qr": mesh.peer.qr(card), "holder": str(PERSON), "item_seq_no": 8, "purpose": "x"},
        headers=counter,
    )
    assert scanned.status_code == 200, scanned.text
    await mesh.wait("signed_licences", f"licence_id = '{card.licence_id}'")

    # The issuer answers: online, whatever allow_offline says.
    online = await ask(verification, counter, allow_offline=True)
    [material] = [m for m in online["materials"] if m["position"] == 1]
    assert material["status"] == "licence"
    assert material["licence"]["mode"] == "online"
    assert material["licence"]["offline"] is None
    assert material["licence"]["fields"]["applicant_name"] == "张三"

    await mesh.peer.detach()  # the issuer is down

    # Offline impossible: no status list of the issuer has been received yet.
    impossible = await ask(verification, counter, allow_offline=True)
    material = impossible["materials"][0]
    assert (material["status"], material["reason"]) == ("submit", "issuer_unavailable")
    assert material["licence"] is None
    assert "did not answer" in material["detail"] or "circuit open" in material["detail"]
    assert "offline check impossible: no status list" in material["detail"]
    assert impossible["summary"]["nothing_to_submit"] is False

    listed_at = datetime.now(UTC) - timedelta(minutes=5)
    await mesh.publish(mesh.peer.status_list(listed_at), ISSUANCE_SOURCE)
    await mesh.wait("status_lists", f"issuer_code = '{mesh.peer.issuer_code}'")

    # Not allowed: the material must be submitted, the issuer being unreachable.
    refused = await ask(verification, counter)
    material = refused["materials"][0]
    assert (material["status"], material["reason"]) == ("submit", "issuer_unavailable")
    assert "offline" not in material["detail"]
    assert refused["summary"]["to_submit"] == 1

    # Allowed: the kept copy against the cached keys and the status list.
    offline = await ask(verification, counter, allow_offline=True)
    material = offline["materials"][0]
    assert material["status"] == "licence"
    assert material["reason"] is None
    licence = material["licence"]
    assert (licence["mode"], licence["outcome"]) == ("offline", "valid")
    assert licence["licence_id"] == card.licence_id
    assert licence["kid"] == mesh.peer.key.kid
    assert licence["signed_answer"] is None
    assert licence["fields"] == {}  # an offline check has no field values to give
    check = licence["offline"]
    assert 290 <= check["status_list_age_seconds"] <= 600
    assert check["signed_licence"] == "cache"
    assert check["list_status"] == "valid"
    assert check["reason"]
    assert offline["summary"]["nothing_to_submit"] is True

    # The access record says which materials were answered offline, and how old the list was.
    recorded = {r["record_id"]: r for r in await records(verification)}
    entry = recorded[offline["record_id"]]
    assert entry["mode"] == "offline"
    detail = json.loads(entry["detail"])
    assert detail["offline_materials"] == [1]
    [first] = [m for m in detail["materials"] if m["position"] == 1]
    assert first["mode"] == "offline"
    assert first["licence_id"] == card.licence_id
    assert 290 <= first["status_list_age_seconds"] <= 600
    assert first["offline_reason"] == check["reason"][:300]
    online_entry = recorded[online["record_id"]]
    assert online_entry["mode"] == "online"
    assert "offline_materials" not in json.loads(online_entry["detail"])
    refused_entry = json.loads(recorded[refused["record_id"]]["detail"])
    assert "offline_materials" not in refused_entry
    assert refused_entry["materials"][0]["reason"] == "issuer_unavailable"
    impossible_entry = json.loads(recorded[impossible["record_id"]]["detail"])
    assert "offline check impossible" in impossible_entry["materials"][0]["detail"]


async def test_offline_outcomes_and_a_licence_never_scanned(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    suspended = mesh.peer.issue(ID_CARD, PERSON, status=LicenceStatus.SUSPENDED)
    never_scanned = mesh.peer.issue(ID_CARD, OTHER)
    for licence in (suspended, never_scanned):
        await mesh.issue(licence)
    for holder in (PERSON, OTHER):
        await grant(mesh, holder)
    scanned = await verification.client.post(
        "/v1/verifications",
        json={
            "qr": mesh.peer.qr(suspended),
            "holder": str(PERSON),
            "item_seq_no": 8,
            "purpose": "x",
        },
        headers=counter,
    )
    assert scanned.json()["outcome"] == "suspended"
    await mesh.wait("signed_licences", f"licence_id = '{suspended.licence_id}'")
    await mesh.publish(mesh.peer.status_list(), ISSUANCE_SOURCE)
    await mesh.wait("status_lists", f"issuer_code = '{mesh.peer.issuer_code}'")
    await mesh.peer.detach()

    # Checked offline, and suspended by the status list: still to be submitted, and why.
    out = await ask(verification, counter, allow_offline=True)
    material = out["materials"][0]
    assert (material["status"], material["reason"]) == ("submit", "suspended")
    assert (material["licence"]["mode"], material["licence"]["outcome"]) == ("offline", "suspended")
    assert material["licence"]["offline"]["list_status"] == "suspended"

    # Never scanned here: no sealed copy to check offline, so it stays to be submitted.
    never = await ask(verification, counter, allow_offline=True, holder=OTHER)
    material = never["materials"][0]
    assert (material["status"], material["reason"]) == ("submit", "issuer_unavailable")
    assert material["licence"] is None
    assert "no sealed copy" in material["detail"]

    modes = {r["record_id"]: r["mode"] for r in await records(verification)}
    assert (modes[out["record_id"]], modes[never["record_id"]]) == ("offline", None)
