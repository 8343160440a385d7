"""Against the real issuance service: its served routes and keys, its signed answers, its QR
form and status lists — both services in one namespace, exchanging real events."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jwt

from wuzheng.contracts.events.rescode import ConsentGranted, ConsentScope
from wuzheng.issuance.app import DEFINITION as ISSUANCE  # noqa: TID251 - a test composes services
from wuzheng.service.testing import ServiceHarness
from wuzheng.verification.app import DEFINITION
from wuzheng.verification.testing import (
    ID_CARD,
    PERSON,
    PUBLIC_SECURITY,
    RESCODE_SOURCE,
    IssuerPeer,
    Mesh,
    catalogue_events,
    publish,
)


async def test_verification_with_the_issuance_service(
    service_harness: ServiceHarness, settings_overrides: dict[str, Any]
) -> None:
    async with (
        service_harness.run(ISSUANCE, status_list_debounce_seconds=0.2) as issuance,
        service_harness.run(DEFINITION, **settings_overrides) as verification,
    ):
        # The catalogue reaches both services as events (the catalog's relay would send them).
        for payload in catalogue_events():
            await publish(verification.runtime, payload, source="/wuzheng/catalog")
        # A stand-in peer is only used for its read-model waits; the issuer is issuance.
        mesh = Mesh(verification.runtime, IssuerPeer(PUBLIC_SECURITY, "public-security"))
        await mesh.wait("rm_items", "materials IS NOT NULL", count=3)

        police = issuance.auth(
            "public-security", "licences:issue", "licences:manage", "licences:read"
        )
        issued = None
        for _ in range(100):  # until issuance's catalog read model has the type
            issued = await issuance.client.post(
                "/v1/licences",
                json={
                    "type_code": ID_CARD,
                    "holder": str(PERSON),
                    "fields": {"holder_name": "张三", "address": "安丘市兴安街道1号"},
                    "valid_from": "2024-01-01",
                    "valid_until": (date.today() + timedelta(days=3650)).isoformat(),
                    "idempotency_key": "id-card-1",
                },
                headers=police,
            )
            if issued.status_code == 201:
                break
            await asyncio.sleep(0.1)
        assert issued is not None
        assert issued.status_code == 201, issued.text
        licence = issued.json()
        licence_id = licence["licence_id"]

        # certificate.issuer.served → route and keys; certificate.licence.issued → holder index.
        await mesh.wait("issuer_routes", f"issuer_code = '{PUBLIC_SECURITY}'")
        await mesh.wait("holder_licences", f"licence_id = '{licence_id}'")

        counter = verification.auth("civil-affairs", "verify:request", "evidence:request")
        verify = {"holder": str(PERSON), "item_seq_no": 5, "purpose": "残疾人证换领"}
        online = await verification.client.post(
            "/v1/verifications", json={**verify, "licence_id": licence_id}, headers=counter
        )
        assert online.status_code == 200, online.text
        result = online.json()
        assert (result["mode"], result["outcome"]) == ("online", "valid")
        # What item 5's form needs (name, ID number), not the address the licence also holds.
        assert result["answer"]["fields"] == {
            "holder_name": "张三",
            "holder_code": "370784199001011239",
        }
        jwks = (await issuance.client.get(f"/v1/issuers/{PUBLIC_SECURITY}/jwks.json")).json()
        [jwk] = [k for k in jwks["keys"] if k["kid"] == result["kid"]]
        assert jwt.decode(result["signed_answer"], jwt.PyJWK(jwk), algorithms=["EdDSA"])

        # The issuer's QR form: verified online, its seal checked, a copy kept.
        qr = await issuance.client.get(f"/v1/licences/{licence_id}/qr", headers=police)
        assert qr.status_code == 200, qr.text
        scanned = await verification.client.post(
            "/v1/verifications", json={**verify, "qr": qr.json()["payload"]}, headers=counter
        )
        assert scanned.status_code == 200, scanned.text
        assert scanned.json()["licence_id"] == licence_id

        # Evidence with the holder's consent (as rescode would announce it).
        await publish(
            verification.runtime,
            ConsentGranted(
                consent_id="c-1",
                holder=PERSON,
                department="civil-affairs",
                item_seq_no=5,
                licence_types=(ID_CARD,),
                scope=ConsentScope.ONE_CASE,
                valid_until=datetime.now(UTC) + timedelta(hours=1),
            ),
            source=RESCODE_SOURCE,
        )
        await mesh.wait("consents")
        evidence = await verification.client.post(
            "/v1/evidence-requests",
            json={
                "item_seq_no": 5,
                "holder": str(PERSON),
                "purpose": "办事",
                "consent_token": "c-1",
            },
            headers=counter,
        )
        assert evidence.status_code == 200, evidence.text
        card = evidence.json()["materials"][0]
        assert card["status"] == "licence"
        assert card["licence"]["fields"]["applicant_name"] == "张三"

        # Suspended by its issuer; the status list follows (debounced).
        suspended = await issuance.client.post(
            f"/v1/licences/{licence_id}/suspend", json={"reason": "核查中"}, headers=police
        )
        assert suspended.status_code == 200, suspended.text
        now = await verification.client.post(
            "/v1/verifications", json={**verify, "licence_id": licence_id}, headers=counter
        )
        assert now.json()["outcome"] == "suspended"
        await mesh.wait("holder_licences", f"licence_id = '{licence_id}' AND status = 'suspended'")
        await mesh.wait("status_lists", f"issuer_code = '{PUBLIC_SECURITY}'")

    # Issuance is gone: an offline check with the kept copy and the latest status list.
    async with service_harness.run(
        DEFINITION,
        database_url=verification.settings.database_url,
        **settings_overrides,
    ) as again:
        counter = again.auth("civil-affairs", "verify:request")
        down = await again.client.post(
            "/v1/verifications", json={**verify, "licence_id": licence_id}, headers=counter
        )
        assert down.status_code == 503
        assert down.json()["type"].endswith("/issuer_unavailable")
        offline = await again.client.post(
            "/v1/verifications",
            json={**verify, "licence_id": licence_id, "allow_offline": True},
            headers=counter,
        )
        assert offline.status_code == 200, offline.text
        result = offline.json()
        assert (result["mode"], result["outcome"]) == ("offline", "suspended")
        assert result["offline"]["signed_licence"] == "cache"
        assert result["offline"]["status_list_age_seconds"] >= 0
