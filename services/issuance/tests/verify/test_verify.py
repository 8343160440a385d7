"""Issuer-side verification over NATS (``verify.<issuer>``) and REST: signed answers that
PyJWT verifies with the issuer's JWKS, outcomes for every status, field minimisation."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from wuzheng.contracts.verify import ANSWER_JWS_TYPE, IssuerAnswer
from wuzheng.issuance.seals import verify_compact
from wuzheng.issuance.testing import (
    BUSINESS_LICENCE,
    EMPLOYMENT_CARD,
    ID_CARD,
    PRACTICE_LICENCE,
    business_licence_fields,
    employment_card_fields,
    id_card_fields,
    organisation,
    person,
    practice_licence_fields,
)
from wuzheng.messaging import RemoteProblem, request
from wuzheng.service.testing import RunningService

MARKET = "market-regulation"
MARKET_ISSUER = "11370784PH3724083H"
POLICE_ISSUER = "11370784PH40135152"


async def issue(
    service: RunningService, dept: str, body: dict[str, Any], key: str
) -> dict[str, Any]:
    headers = {**service.auth(dept, "licences:issue"), "Idempotency-Key": key}
    response = await service.client.post("/v1/licences", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def business(service: RunningService, n: int = 1) -> dict[str, Any]:
    body = {
        "type_code": BUSINESS_LICENCE,
        "holder": organisation(n),
        "fields": business_licence_fields(n),
        "valid_from": "2024-01-01",
    }
    return await issue(service, MARKET, body, f"v-{n}")


def ask(issuer: str, **members: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "issuer_code": issuer,
        "purpose": "办理食品经营许可",
        "caller_department": "administrative-approval",
        "operator_id": "counter-7",
        "nonce": secrets.token_urlsafe(12),
    }
    body.update(members)
    return body


async def over_nats(service: RunningService, body: dict[str, Any]) -> dict[str, Any]:
    runtime = service.runtime
    return await request(runtime.nats, runtime.subject(f"verify.{body['issuer_code']}"), body)


async def over_rest(service: RunningService, body: dict[str, Any]) -> dict[str, Any]:
    response = await service.client.post(
        f"/v1/issuers/{body['issuer_code']}/verify",
        json=body,
        headers=service.auth("verification", "licences:verify"),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def checked(service: RunningService, reply: dict[str, Any], nonce: str) -> IssuerAnswer:
    """The answer, after PyJWT verified it with the published JWKS."""
    token = reply["answer"]
    header = jwt.get_unverified_header(token)
    assert header["typ"] == ANSWER_JWS_TYPE
    issuer = jwt.decode(token, options={"verify_signature": False})["iss"]
    jwks = (await service.client.get(f"/v1/issuers/{issuer}/jwks.json")).json()
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims = jwt.decode(token, key=key, algorithms=["EdDSA"], issuer=issuer)
    answer = IssuerAnswer.model_validate(claims)
    assert answer.nonce == nonce
    assert abs((datetime.now(UTC) - answer.answered_at).total_seconds()) < 30
    return answer


@pytest.mark.parametrize("transport", [over_nats, over_rest], ids=["nats", "rest"])
async def test_valid_answer_with_only_the_fields_asked_for(
    issuance: RunningService, transport: Any
) -> None:
    licence = await business(issuance)
    body = ask(
        MARKET_ISSUER,
        licence_id=licence["licence_id"],
        holder=licence["holder"],
        fields=["holder_name", "business_scope", "not_a_field"],
    )
    answer = await checked(issuance, await transport(issuance, body), body["nonce"])
    assert answer.outcome == "valid"
    assert answer.status == "valid"
    assert answer.licence_id == licence["licence_id"]
    assert answer.iss == MARKET_ISSUER
    assert answer.valid_from == "2024-01-01"
    assert answer.under_objection is False
    # Only what was named and the schema has; the personal legal_representative stays home.
    assert answer.fields == {
        "holder_name": "安丘市示范商贸有限公司1",
        "business_scope": "日用百货销售",
    }

    nothing = ask(MARKET_ISSUER, licence_id=licence["licence_id"], holder=licence["holder"])
    assert (
        await checked(issuance, await transport(issuance, nothing), nothing["nonce"])
    ).fields == {}

    by_number = ask(
        MARKET_ISSUER,
        licence_no=licence["licence_no"],
        type_code=BUSINESS_LICENCE,
        holder=licence["holder"],
    )
    found = await checked(issuance, await transport(issuance, by_number), by_number["nonce"])
    assert found.licence_id == licence["licence_id"]


async def test_every_outcome(issuance: RunningService) -> None:
    manage = issuance.auth(MARKET, "licences:manage")
    licences = [await business(issuance, n) for n in range(1, 5)]
    first, second, third, fourth = (licence["licence_id"] for licence in licences)
    await issuance.client.post(
        f"/v1/licences/{first}/suspend", json={"reason": "r"}, headers=manage
    )
    await issuance.client.post(
        f"/v1/licences/{second}/revoke", json={"reason": "r", "kind": "annulled"}, headers=manage
    )
    await issuance.client.post(f"/v1/licences/{third}/cancel", json={"reason": "r"}, headers=manage)
    new = await issuance.client.post(
        f"/v1/licences/{fourth}/amendments",
        json={"fields": {"address": "新址"}, "reason": "r"},
        headers=issuance.auth(MARKET, "licences:issue"),
    )
    newest = new.json()["licence_id"]

    async def outcome(**members: Any) -> IssuerAnswer:
        body = ask(MARKET_ISSUER, **members)
        return await checked(issuance, await over_nats(issuance, body), body["nonce"])

    holder = {n: licences[n - 1]["holder"] for n in range(1, 5)}
    assert (await outcome(licence_id=first, holder=holder[1], fields=["address"])).model_dump(
        include={"outcome", "status", "fields"}
    ) == {"outcome": "suspended", "status": "suspended", "fields": {}}
    assert (await outcome(licence_id=second, holder=holder[2])).outcome == "revoked"
    assert (await outcome(licence_id=third, holder=holder[3])).outcome == "cancelled"
    superseded = await outcome(licence_id=fourth, holder=holder[4])
    assert (superseded.outcome, superseded.current_licence_id) == ("superseded", newest)
    assert (await outcome(licence_id=newest, holder=holder[4])).outcome == "valid"

    mismatch = await outcome(licence_id=newest, holder=str(organisation(99)), fields=["address"])
    assert mismatch.outcome == "holder_mismatch"
    assert (mismatch.status, mismatch.fields, mismatch.valid_from) == (None, {}, None)

    missing = await outcome(
        licence_id=newest.replace(".002.", ".009.")[:-1] + "0", holder=holder[4]
    )
    assert missing.outcome == "not_found"
    wrong_check = newest[:-1] + ("A" if newest[-1] != "A" else "B")
    lenient = await outcome(licence_id=wrong_check, holder=holder[4])
    assert (lenient.outcome, lenient.licence_id) == ("valid", newest)
    by_other_issuer = await outcome(
        licence_id=newest.replace(MARKET_ISSUER, POLICE_ISSUER), holder=holder[4]
    )
    assert by_other_issuer.outcome == "not_found"


async def test_pending_seals(issuance: RunningService) -> None:
    body = {
        "type_code": EMPLOYMENT_CARD,
        "holder": person(5),
        "fields": employment_card_fields(),
        "valid_from": "2024-07-01",
    }
    licence = await issue(issuance, "human-resources-social-security", body, "joint-v")
    asked = ask(
        "11370784PH0044584U",
        licence_id=licence["licence_id"],
        holder=licence["holder"],
        fields=["school_name"],
    )
    answer = await checked(issuance, await over_nats(issuance, asked), asked["nonce"])
    assert (answer.outcome, answer.status, answer.fields) == ("pending_seals", "pending_seals", {})


async def test_an_sm2_issuer(issuance: RunningService) -> None:
    # The health department seals with SM2/SM3 (ISSUANCE_DEPARTMENT_SUITES in conftest).
    body = {
        "type_code": PRACTICE_LICENCE,
        "holder": person(4),
        "fields": practice_licence_fields(),
        "valid_from": "2024-01-01",
    }
    licence = await issue(issuance, "health", body, "sm2-1")
    issuer = "11370784PH83536131"
    assert jwt.get_unverified_header(licence["seal"])["alg"] == "SM2SM3"
    request_body = ask(issuer, licence_id=licence["licence_id"], holder=licence["holder"])
    reply = await over_nats(issuance, request_body)
    jwks = (await issuance.client.get(f"/v1/issuers/{issuer}/jwks.json")).json()
    assert jwks["keys"][0]["crv"] == "SM2"
    verified = verify_compact(reply["answer"], jwks, typ=ANSWER_JWS_TYPE)
    assert IssuerAnswer.model_validate(verified.claims).outcome == "valid"
    assert verify_compact(licence["seal"], jwks).claims["sub"] == licence["licence_id"]


async def test_an_issuer_without_licences_answers_not_found(issuance: RunningService) -> None:
    body = ask(POLICE_ISSUER, licence_no="X1", type_code=ID_CARD, holder=str(person(1)))
    answer = await checked(issuance, await over_nats(issuance, body), body["nonce"])
    assert answer.outcome == "not_found"
    id_card = {
        "type_code": ID_CARD,
        "holder": person(1),
        "fields": id_card_fields(),
        "valid_from": "2024-01-01",
    }
    licence = await issue(issuance, "public-security", id_card, "idc")
    found = ask(
        POLICE_ISSUER,
        licence_no=licence["licence_no"],
        type_code=ID_CARD,
        holder=str(person(1)),
        fields=["address", "gender"],
    )
    answer = await checked(issuance, await over_rest(issuance, found), found["nonce"])
    assert answer.fields == {"address": "山东省安丘市新安街道2号", "gender": "1"}


async def test_bad_requests_get_problems(issuance: RunningService) -> None:
    runtime = issuance.runtime
    good = ask(
        MARKET_ISSUER, licence_no="1", type_code=BUSINESS_LICENCE, holder=str(organisation(1))
    )
    with pytest.raises(RemoteProblem) as other_subject:
        await request(runtime.nats, runtime.subject(f"verify.{POLICE_ISSUER}"), good)
    assert other_subject.value.status == 422
    with pytest.raises(RemoteProblem) as malformed:
        await over_nats(issuance, {**good, "holder": "111:123", "extra": 1})
    fields = [e["field"] for e in malformed.value.problem["errors"]]
    assert fields == ["request.holder", "request.extra"]
    unidentified = {k: v for k, v in good.items() if k != "licence_no"}
    with pytest.raises(RemoteProblem) as no_licence:
        await over_nats(issuance, unidentified)
    assert no_licence.value.status == 422
    with pytest.raises(RemoteProblem) as unknown:
        await over_nats(issuance, {**good, "issuer_code": "91370784MA0000001L"})
    assert unknown.value.status == 404

    rest = await issuance.client.post(
        f"/v1/issuers/{POLICE_ISSUER}/verify",
        json=good,
        headers=issuance.auth("verification", "licences:verify"),
    )
    assert rest.status_code == 422
    assert [e["field"] for e in rest.json()["errors"]] == ["body.issuer_code"]
    no_scope = await issuance.client.post(
        f"/v1/issuers/{MARKET_ISSUER}/verify",
        json=good,
        headers=issuance.auth("verification", "licences:read"),
    )
    assert no_scope.status_code == 403
