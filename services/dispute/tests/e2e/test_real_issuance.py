"""The correction loop across real services: the catalog (seeded from the plan's data) feeds
issuance and dispute; a licence issued by the real issuance service is disputed, resolved
with a correction, amended by issuance, and the correction reaches the departments that
verified the old version.

Verification events are published through an outbox here (the verification service is
exercised in its own tests); everything else is the services' own code over real NATS."""

from __future__ import annotations

from typing import Any

import httpx

from wuzheng.catalog.app import DEFINITION as CATALOG
from wuzheng.dispute.app import DEFINITION as DISPUTE
from wuzheng.dispute.models import CatalogLicenceType, KnownLicence, LicenceVerification
from wuzheng.dispute.testing import (
    ID_CARD,
    PUBLIC_SECURITY,
    EventTap,
    licence_dispute,
    publish,
    resident,
    row_count,
    verified,
)
from wuzheng.issuance.app import DEFINITION as ISSUANCE
from wuzheng.messaging.testing import wait_until
from wuzheng.service.testing import RunningService, ServiceHarness

ID_CARD_FIELDS = {
    "holder_name": "李四",
    "jurisdiction_code": "370784",
    "gender": "1",
    "ethnicity": "汉",
    "birth_date": "1990-01-01",
    "address": "山东省安丘市新安街道2号",
}


async def issue_id_card(issuance: RunningService, holder: str) -> dict[str, Any]:
    headers = {
        **issuance.auth(PUBLIC_SECURITY, "licences:issue"),
        "Idempotency-Key": f"e2e-{holder[-6:]}",
    }
    body = {
        "type_code": ID_CARD,
        "holder": holder,
        "fields": ID_CARD_FIELDS,
        "valid_from": "2020-01-01",
    }
    response: httpx.Response | None = None

    async def issued() -> bool:  # until issuance's catalog read model knows the type
        nonlocal response
        response = await issuance.client.post("/v1/licences", json=body, headers=headers)
        return response.status_code == 201

    await wait_until(issued, timeout=60, interval=0.5, message="issuance can issue ID cards")
    assert response is not None
    return dict(response.json())


async def read_licence(issuance: RunningService, licence_id: str) -> dict[str, Any]:
    response = await issuance.client.get(
        f"/v1/licences/{licence_id}", headers=issuance.auth("big-data-bureau", "licences:read")
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_correction_loop_with_the_real_issuance_service(
    service_harness: ServiceHarness,
) -> None:
    async with (
        service_harness.run(CATALOG) as _catalog,
        service_harness.run(ISSUANCE) as issuance,
        service_harness.run(DISPUTE) as dispute,
    ):
        tap = await EventTap().open(dispute.runtime, "dispute.>")
        certificates = await EventTap().open(dispute.runtime, "certificate.>")
        holder = str(resident(42))
        issued = await issue_id_card(issuance, holder)
        old_id = issued["licence_id"]

        async def known() -> bool:
            runtime = dispute.runtime
            return (
                await row_count(runtime, KnownLicence.__table__, KnownLicence.licence_id == old_id)
                == 1
                and await row_count(runtime, CatalogLicenceType.__table__) >= 50
            )

        await wait_until(known, timeout=60, message="dispute knows the licence and the catalog")
        await publish(
            dispute.runtime,
            verified(old_id, "taxation", resident(42)),
            verified(old_id, "housing-fund", resident(42)),
        )
        await wait_until(
            lambda: _verifications(dispute, 2), timeout=15, message="verifications recorded"
        )

        app = dispute.auth("aishandong", "disputes:file", operator=None)
        filed = await dispute.client.post(
            "/v1/disputes", json=licence_dispute(old_id, holder=resident(42)), headers=app
        )
        assert filed.status_code == 201, filed.text
        dispute_id = filed.json()["id"]
        assert filed.json()["department"] == PUBLIC_SECURITY

        async def under_objection() -> bool:
            return bool((await read_licence(issuance, old_id)).get("under_objection"))

        await wait_until(under_objection, timeout=15, message="issuance shows under objection")

        staff = dispute.auth(PUBLIC_SECURITY, "disputes:handle", operator="clerk-9")
        for step in ("accept", "process"):
            response = await dispute.client.post(
                f"/v1/disputes/{dispute_id}/{step}", json={}, headers=staff
            )
            assert response.status_code == 200, response.text
        corrected = "山东省安丘市兴安街道和平路1号"
        resolved = await dispute.client.post(
            f"/v1/disputes/{dispute_id}/resolve",
            json={"note": "经户籍档案核实更正", "corrections": {"address": corrected}},
            headers=staff,
        )
        assert resolved.status_code == 200, resolved.text

        amended = (await certificates.wait_for("certificate.licence.amended", timeout=20))[0]
        assert amended.dispute_id == dispute_id
        assert str(amended.previous_licence_id) == old_id
        propagated = (await tap.wait_for("dispute.correction.propagated", timeout=20))[0]
        assert propagated.new_licence_id == str(amended.licence_id)
        assert propagated.departments == ("housing-fund", "taxation")
        await tap.wait_for("dispute.case.closed", timeout=20)

        new = await read_licence(issuance, str(amended.licence_id))
        assert new["fields"]["address"] == corrected
        old = await read_licence(issuance, old_id)
        assert old["status"] == "superseded"

        async def not_objected() -> bool:
            return not (await read_licence(issuance, old_id)).get("under_objection")

        await wait_until(not_objected, timeout=15, message="objection cleared at issuance")
        final = await dispute.client.get(f"/v1/disputes/{dispute_id}", headers=staff)
        assert final.json()["correction"]["new_licence_id"] == str(amended.licence_id)
        assert final.json()["correction"]["status"] == "propagated"
        await tap.close()
        await certificates.close()


async def _verifications(service: RunningService, n: int) -> bool:
    return await row_count(service.runtime, LicenceVerification.__table__) == n
