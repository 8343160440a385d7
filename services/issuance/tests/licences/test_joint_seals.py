"""多部门联合签章: a type under ISSUANCE_JOINT_SEALS needs every named department's seal."""

from __future__ import annotations

from typing import Any

import jwt

from wuzheng.issuance.testing import (
    EMPLOYMENT_CARD,
    EventTap,
    employment_card_fields,
    person,
)
from wuzheng.service.testing import RunningService

HR = "human-resources-social-security"
EDUCATION = "education-sports"
HR_ISSUER = "11370784PH0044584U"
EDUCATION_ISSUER = "11370784PH5054845J"


def employment_card(n: int = 1) -> dict[str, Any]:
    return {
        "type_code": EMPLOYMENT_CARD,
        "holder": person(n),
        "fields": employment_card_fields(),
        "valid_from": "2024-07-01",
    }


async def test_licence_is_valid_only_with_every_seal(
    issuance: RunningService, tap: EventTap
) -> None:
    client = issuance.client
    created = await client.post(
        "/v1/licences",
        json=employment_card(),
        headers={**issuance.auth(HR, "licences:issue"), "Idempotency-Key": "joint-1"},
    )
    assert created.status_code == 201, created.text
    licence = created.json()
    lid = licence["licence_id"]
    assert licence["status"] == "pending_seals"
    assert licence["seals_required"] == [HR, EDUCATION]
    assert [s["department"] for s in licence["seals"]] == [HR]
    added = await tap.wait_for("certificate.licence.seal_added", subject=lid)
    assert added[0].payload().seals_present == (HR,)
    assert not tap.of_type("certificate.licence.issued")

    # A pending licence has no QR code and cannot be suspended; HR cannot seal twice;
    # a department that is not asked cannot seal.
    assert (
        await client.get(f"/v1/licences/{lid}/qr", headers=issuance.auth(HR, "licences:issue"))
    ).status_code == 409
    suspend = await client.post(
        f"/v1/licences/{lid}/suspend",
        json={"reason": "test"},
        headers=issuance.auth(HR, "licences:manage"),
    )
    assert suspend.status_code == 409
    assert suspend.json()["current_status"] == "pending_seals"
    twice = await client.post(
        f"/v1/licences/{lid}/seals", headers=issuance.auth(HR, "licences:issue")
    )
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/already-sealed")
    stranger = await client.post(
        f"/v1/licences/{lid}/seals", headers=issuance.auth("market-regulation", "licences:issue")
    )
    assert stranger.status_code == 403

    # The co-sealer may read it, and seals it with its own key.
    seen = await client.get(
        f"/v1/licences/{lid}", headers=issuance.auth(EDUCATION, "licences:issue")
    )
    assert seen.status_code == 200
    sealed = await client.post(
        f"/v1/licences/{lid}/seals", headers=issuance.auth(EDUCATION, "licences:issue")
    )
    assert sealed.status_code == 200, sealed.text
    licence = sealed.json()
    assert licence["status"] == "valid"
    assert licence["issued_at"] is not None
    by_department = {s["department"]: s for s in licence["seals"]}
    assert set(by_department) == {HR, EDUCATION}
    for department, issuer in ((HR, HR_ISSUER), (EDUCATION, EDUCATION_ISSUER)):
        jwks = (await client.get(f"/v1/issuers/{issuer}/jwks.json")).json()
        token = by_department[department]["jws"]
        key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
        claims = jwt.decode(token, key=key, algorithms=["EdDSA"])
        assert claims["iss"] == issuer
        assert claims["lic"]["seals"] == [HR, EDUCATION]
        assert claims["lic"]["issuer"]["code"] == HR_ISSUER  # one document, two seals

    issued = await tap.wait_for("certificate.licence.issued", subject=lid)
    assert issued[0].payload().status == "valid"
    assert [e.payload().seals_present for e in tap.of_type("certificate.licence.seal_added")] == [
        (HR,),
        (HR, EDUCATION),
    ]
    history = (
        await client.get(f"/v1/licences/{lid}/history", headers=issuance.auth(HR, "licences:issue"))
    ).json()
    assert [(e["action"], e["to_status"]) for e in history["entries"]] == [
        ("created", "pending_seals"),
        ("sealed", "pending_seals"),
        ("activated", "valid"),
    ]
    assert history["entries"][1]["actor"] == f"{EDUCATION}/op-test"


async def test_amending_a_joint_licence_needs_the_seals_again(
    issuance: RunningService, tap: EventTap
) -> None:
    client = issuance.client
    hr_issue = issuance.auth(HR, "licences:issue")
    lid = (
        await client.post(
            "/v1/licences", json=employment_card(2), headers={**hr_issue, "Idempotency-Key": "j2"}
        )
    ).json()["licence_id"]
    await client.post(
        f"/v1/licences/{lid}/seals", headers=issuance.auth(EDUCATION, "licences:issue")
    )
    amended = await client.post(
        f"/v1/licences/{lid}/amendments",
        json={"fields": {"employer": "安丘市某公司"}, "reason": "就业单位变更"},
        headers=hr_issue,
    )
    assert amended.status_code == 201, amended.text
    new = amended.json()
    assert new["status"] == "pending_seals"
    assert new["version"] == 2
    # Until the new version is sealed, the old one stays valid; a second amendment waits.
    old = (await client.get(f"/v1/licences/{lid}", headers=hr_issue)).json()
    assert old["status"] == "valid"
    again = await client.post(
        f"/v1/licences/{lid}/amendments",
        json={"fields": {"employer": "别的公司"}, "reason": "again"},
        headers=hr_issue,
    )
    assert again.status_code == 409
    assert again.json()["pending_licence_id"] == new["licence_id"]

    done = await client.post(
        f"/v1/licences/{new['licence_id']}/seals",
        headers=issuance.auth(EDUCATION, "licences:issue"),
    )
    assert done.json()["status"] == "valid"
    old = (await client.get(f"/v1/licences/{lid}", headers=hr_issue)).json()
    assert old["status"] == "superseded"
    assert old["superseded_by"] == new["licence_id"]
    amended_events = await tap.wait_for("certificate.licence.amended", subject=new["licence_id"])
    event = amended_events[0].payload()
    assert str(event.previous_licence_id) == lid
    assert event.changed_fields == ("employer",)
    assert event.reason == "就业单位变更"


async def test_revoking_the_old_version_cancels_a_pending_amendment(
    issuance: RunningService,
) -> None:
    client = issuance.client
    hr_issue = issuance.auth(HR, "licences:issue")
    lid = (
        await client.post(
            "/v1/licences", json=employment_card(3), headers={**hr_issue, "Idempotency-Key": "j3"}
        )
    ).json()["licence_id"]
    await client.post(
        f"/v1/licences/{lid}/seals", headers=issuance.auth(EDUCATION, "licences:issue")
    )
    new = (
        await client.post(
            f"/v1/licences/{lid}/amendments",
            json={"fields": {"employer": "X"}, "reason": "r"},
            headers=hr_issue,
        )
    ).json()
    revoked = await client.post(
        f"/v1/licences/{lid}/revoke",
        json={"reason": "issued in error", "kind": "annulled"},
        headers=issuance.auth(HR, "licences:manage"),
    )
    assert revoked.json()["status"] == "revoked"
    pending = (await client.get(f"/v1/licences/{new['licence_id']}", headers=hr_issue)).json()
    assert pending["status"] == "cancelled"
