"""``POST /v1/verifications``: routed to the issuer, its signed answer checked and recorded."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
import sqlalchemy as sa

from wuzheng.contracts import CreditCode, LicenceId, LicenceStatus, LicenceTypeCode
from wuzheng.contracts.verify import ANSWER_JWS_TYPE
from wuzheng.service.testing import RunningService, ServiceHarness
from wuzheng.verification.app import DEFINITION
from wuzheng.verification.audit.models import AccessRecord
from wuzheng.verification.testing import (
    BUSINESS_LICENCE,
    ID_CARD,
    MARKET_REGULATION,
    PERSON,
    PUBLIC_SECURITY,
    IssuerPeer,
    Mesh,
    PeerMode,
    serve_http,
)


def body(licence_id: str, **extra: object) -> dict[str, object]:
    return {
        "licence_id": licence_id,
        "holder": str(PERSON),
        "item_seq_no": 5,
        "purpose": "残疾人证换领 identity check",
        **extra,
    }


async def records(service: RunningService) -> list[AccessRecord]:
    async with service.runtime.database.sessionmaker() as session:
        return list(
            (await session.scalars(sa.select(AccessRecord).order_by(AccessRecord.seq))).all()
        )


async def test_online_answer_is_the_issuers_signed_answer(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON, {"holder_name": "张三", "address": "安丘市"})
    response = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["mode"] == "online"
    assert result["outcome"] == "valid"
    assert result["holder"] == "111:3707**********1239"
    assert result["type_name"] == "居民身份证"
    # Only the fields item 5's form needs (applicant_name → holder_name), not the address.
    assert result["answer"]["fields"] == {"holder_name": "张三"}
    assert sorted(mesh.peer.requests[-1]["fields"]) == ["holder_code", "holder_name"]
    # The signed answer verifies with the issuer's published key (an independent JOSE library).
    key = jwt.PyJWK(mesh.peer.key.jwk())
    claims = jwt.decode(result["signed_answer"], key, algorithms=["EdDSA"])
    assert claims["outcome"] == "valid"
    assert jwt.get_unverified_header(result["signed_answer"])["typ"] == ANSWER_JWS_TYPE
    [record] = await records(verification)
    assert record.record_id == result["record_id"]
    assert record.result == "valid"
    assert record.mode == "online"
    assert record.caller_department == "civil-affairs"
    assert record.operator_id == "op-7"
    assert record.licence_id == licence.licence_id
    assert "370784199001011239" not in record.holder_hmac + record.holder_masked + record.detail


def results_counted(metrics: str, issuer: str, status: str, mode: str) -> float:
    wanted = f'issuer="{issuer}",mode="{mode}",status="{status}"'
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("wuzheng_verification_results_total{") and wanted in line
    )


async def test_results_are_counted_for_the_dashboard(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON, status=LicenceStatus.SUSPENDED)
    issuer = LicenceId(licence.licence_id).issuer_code
    before = results_counted(
        (await verification.client.get("/metrics")).text, issuer, "suspended", "online"
    )
    response = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    assert response.json()["outcome"] == "suspended"
    after = results_counted(
        (await verification.client.get("/metrics")).text, issuer, "suspended", "online"
    )
    assert after == before + 1


async def test_outcomes_follow_the_issuer(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    suspended = mesh.peer.issue(ID_CARD, PERSON, status=LicenceStatus.SUSPENDED)
    other = mesh.peer.issue(ID_CARD, "111:11010519491231002X")
    for licence_id, outcome in [
        (suspended.licence_id, "suspended"),
        (other.licence_id, "holder_mismatch"),
    ]:
        response = await verification.client.post(
            "/v1/verifications", json=body(licence_id), headers=counter
        )
        assert response.status_code == 200, response.text
        assert response.json()["outcome"] == outcome


async def test_a_bad_check_character_is_a_warning_not_a_refusal(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    wrong = licence.licence_id[:-1] + ("A" if licence.licence_id[-1] != "A" else "B")
    response = await verification.client.post(
        "/v1/verifications", json=body(wrong), headers=counter
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert any("check" in warning for warning in result["warnings"])
    assert result["licence_id"] == wrong  # forwarded as given: the issuer decides
    assert result["outcome"] == "not_found"
    [record] = await records(verification)
    assert "warnings" in record.detail


async def test_malformed_identifier_is_422_naming_the_segment_and_recorded(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    parts = licence.licence_id.split(".")
    parts[5] = parts[5][:-1]  # a 20-character type code
    response = await verification.client.post(
        "/v1/verifications", json=body(".".join(parts)), headers=counter
    )
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["segment"] == "type_code"
    assert problem["type"].endswith("/invalid-licence-identifier")
    [record] = await records(verification)
    assert record.result == "refused:invalid_identifier"
    assert record.result_class == "refused"
    assert problem["record_id"] == record.record_id
    assert mesh.peer.calls == 0


async def test_entitlement_item_and_issuer_refusals_are_recorded(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    not_entitled = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id, item_seq_no=99), headers=counter
    )
    assert not_entitled.status_code == 403
    assert not_entitled.json()["type"].endswith("/not-entitled")
    unknown_item = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id, item_seq_no=12345), headers=counter
    )
    assert unknown_item.status_code == 404
    assert unknown_item.json()["type"].endswith("/unknown-item")
    business = LicenceId.build(
        LicenceTypeCode(BUSINESS_LICENCE), CreditCode(MARKET_REGULATION), "77"
    )
    unknown_issuer = await verification.client.post(
        "/v1/verifications", json=body(str(business), item_seq_no=99), headers=counter
    )
    assert unknown_issuer.status_code == 404
    assert unknown_issuer.json()["type"].endswith("/unknown-issuer")
    assert [r.result for r in await records(verification)] == [
        "refused:entitlement",
        "refused:unknown_item",
        "refused:unknown_issuer",
    ]
    assert mesh.peer.calls == 0


async def test_scope_and_token(verification: RunningService, mesh: Mesh) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    no_token = await verification.client.post("/v1/verifications", json=body(licence.licence_id))
    assert no_token.status_code == 401
    bad_token = await verification.client.post(
        "/v1/verifications",
        json=body(licence.licence_id),
        headers={"Authorization": "Bearer not-a-jwt"},
    )
    assert bad_token.status_code == 401
    assert await records(verification) == []  # nobody to name: not recorded
    wrong_scope = verification.auth("civil-affairs", "evidence:request")
    refused = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=wrong_scope
    )
    assert refused.status_code == 403
    assert refused.json()["missing_scopes"] == ["verify:request"]
    [record] = await records(verification)
    assert record.result == "refused:scope"
    assert mesh.peer.calls == 0


async def test_unknown_fields_and_bad_holder_are_422(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    for bad in (
        body(licence.licence_id, surprise=1),
        body(licence.licence_id, holder="111:370784199001011238"),
        {**body(licence.licence_id), "qr": "WZ1:AB"},
        {k: v for k, v in body(licence.licence_id).items() if k != "purpose"},
    ):
        response = await verification.client.post("/v1/verifications", json=bad, headers=counter)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("mode", "slug"),
    [
        ("forged", "issuer-answer-invalid"),
        ("replay", "issuer-answer-invalid"),
        ("stale", "issuer-answer-invalid"),
        ("garbage", "issuer-answer-invalid"),
        ("problem", "issuer-refused"),
    ],
)
async def test_an_answer_that_does_not_verify_is_never_passed_on(
    verification: RunningService, mesh: Mesh, counter: dict[str, str], mode: PeerMode, slug: str
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON, {"holder_name": "张三"})
    mesh.peer.mode = mode
    response = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    assert response.status_code == 502, response.text
    problem = response.json()
    assert problem["type"].endswith(f"/{slug}")
    assert "张三" not in response.text
    assert "answer" not in problem
    assert "signed_answer" not in problem
    [record] = await records(verification)
    assert record.result_class == "failed"


async def test_unknown_kid_refetches_the_issuers_keys_once(
    service_harness: ServiceHarness, peer: IssuerPeer, settings_overrides: dict[str, Any]
) -> None:
    async with serve_http(peer.http_app()) as issuance_url:
        overrides = {**settings_overrides, "issuance_url": issuance_url}
        async with service_harness.run(DEFINITION, **overrides) as service:
            mesh = Mesh(service.runtime, peer)
            await mesh.start()
            headers = service.auth("civil-affairs", "verify:request")
            licence = peer.issue(ID_CARD, PERSON)
            peer.rotate()  # signs with a key the served event did not carry
            response = await service.client.post(
                "/v1/verifications", json=body(licence.licence_id), headers=headers
            )
            assert response.status_code == 200, response.text
            assert response.json()["kid"] == peer.key.kid
            await peer.detach()


async def test_unknown_kid_without_refetch_is_a_failure(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    mesh.peer.rotate()
    response = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    assert response.status_code == 502
    assert "does not publish" in response.json()["detail"]


async def test_sm2_answers_verify(
    service_harness: ServiceHarness, settings_overrides: dict[str, Any]
) -> None:
    peer = IssuerPeer(PUBLIC_SECURITY, "public-security", suite="sm2")
    async with service_harness.run(DEFINITION, **settings_overrides) as service:
        mesh = Mesh(service.runtime, peer)
        await mesh.start()
        headers = service.auth("civil-affairs", "verify:request")
        licence = peer.issue(ID_CARD, PERSON)
        response = await service.client.post(
            "/v1/verifications", json=body(licence.licence_id), headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["outcome"] == "valid"
        assert jwt.get_unverified_header(response.json()["signed_answer"])["alg"] == "SM2SM3"
        peer.mode = "forged"
        forged = await service.client.post(
            "/v1/verifications", json=body(licence.licence_id), headers=headers
        )
        assert forged.status_code == 502
        await peer.detach()
