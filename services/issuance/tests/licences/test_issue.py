"""``POST /v1/licences``: sealed licences, every kind of bad input, idempotency, remits."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any

import jwt
import pytest
import sqlalchemy as sa

from wuzheng.contracts import LicenceId
from wuzheng.issuance.licences.models import Licence
from wuzheng.issuance.seals import canonical_json
from wuzheng.issuance.testing import (
    BUSINESS_LICENCE,
    ID_CARD,
    TEST_TYPE,
    EventTap,
    business_licence_fields,
    id_card_fields,
    organisation,
    person,
    resident_id,
)
from wuzheng.service.testing import RunningService

ISSUE = "licences:issue"
MARKET = "market-regulation"
MARKET_ISSUER = "11370784PH3724083H"


def wrong_check_char(code: str) -> str:
    return code[:-1] + ("1" if code[-1] == "0" else "0")


def business(n: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type_code": BUSINESS_LICENCE,
        "holder": organisation(n),
        "fields": business_licence_fields(n),
        "valid_from": "2024-01-01",
        "valid_until": (date.today() + timedelta(days=3650)).isoformat(),
    }
    body.update(overrides)
    return body


async def post(
    service: RunningService, body: dict[str, Any], key: str | None = "k-1", dept: str = MARKET
) -> Any:
    headers = service.auth(dept, ISSUE)
    if key is not None:
        headers["Idempotency-Key"] = key
    return await service.client.post("/v1/licences", json=body, headers=headers)


def error_fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


async def test_issued_licence_is_sealed_and_pyjwt_verifies_it(
    issuance: RunningService, tap: EventTap
) -> None:
    response = await post(issuance, business())
    assert response.status_code == 201, response.text
    licence = response.json()
    lid = LicenceId.parse(licence["licence_id"])  # strict: the check character is right
    assert (lid.type_code, lid.issuer_code, lid.version) == (BUSINESS_LICENCE, MARKET_ISSUER, 1)
    assert licence["status"] == "valid"
    assert licence["gbt_status_code"] == "01"
    assert licence["licence_no"]
    fields = licence["fields"]
    assert fields["licence_number"] == licence["licence_no"]
    assert fields["issuer_code"] == MARKET_ISSUER
    assert fields["holder_code_type"] == "001"
    assert fields["registered_capital"] == "500000"

    jwks = (await issuance.client.get(f"/v1/issuers/{MARKET_ISSUER}/jwks.json")).json()
    header = jwt.get_unverified_header(licence["seal"])
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "wuzheng-licence+jwt"
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims = jwt.decode(licence["seal"], key=key, algorithms=["EdDSA"])
    assert claims["iss"] == MARKET_ISSUER
    assert claims["sub"] == licence["licence_id"]
    assert claims["lic"]["fields"] == fields
    assert claims["status"]["status_list"]["idx"] == licence["status_list"]["idx"]
    # The payload is the canonical (RFC 8785) form of the claims.
    payload = jwt.api_jws.decode_complete(licence["seal"], key=key, algorithms=["EdDSA"])
    assert payload["payload"] == canonical_json(claims)

    issued = await tap.wait_for("certificate.licence.issued", subject=licence["licence_id"])
    event = issued[0].payload()
    assert str(event.licence_id) == licence["licence_id"]
    assert event.department == MARKET
    assert event.status_list_index == licence["status_list"]["idx"]
    assert "legal_representative" not in issued[0].to_bytes().decode()  # facts, not fields
    served = await tap.wait_for("certificate.issuer.served")
    assert served[0].payload().jwks == jwks


async def test_the_caller_may_give_the_paper_licence_number(issuance: RunningService) -> None:
    first = await post(issuance, business(licence_no="鲁安工商001"), key="a")
    assert first.status_code == 201
    assert first.json()["licence_no"] == "鲁安工商001"
    again = await post(issuance, business(2, licence_no="鲁安工商001"), key="b")
    assert again.status_code == 409
    assert again.json()["type"].endswith("/licence-no-taken")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type_code": "11370784PH3724083H777"}, "body.type_code"),
        ({"type_code": "11370784ph3724083h001"}, "body.type_code"),
        ({"issuer_code": "91370784MA0000009M"}, "body.issuer_code"),
        ({"holder": wrong_check_char(str(organisation(1)))}, "body.holder"),
        ({"holder": wrong_check_char(f"111:{resident_id(7)}")}, "body.holder"),
        ({"holder": str(person(3))}, "body.holder"),
        ({"valid_from": "2024-13-01"}, "body.valid_from"),
        ({"valid_until": "2023-01-01"}, "body.valid_until"),
        ({"valid_from": "2024-01-01", "valid_until": "2020-01-01"}, "body.valid_until"),
        ({"colour": "red"}, "body.colour"),
    ],
)
async def test_bad_request_is_422_naming_the_field(
    issuance: RunningService, change: dict[str, Any], field: str
) -> None:
    response = await post(issuance, business(**change))
    assert field in error_fields(response)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"shoe_size": "42"}, "body.fields.shoe_size"),
        ({"legal_representative": None}, "body.fields.legal_representative"),
        ({"established_on": "01/05/2020"}, "body.fields.established_on"),
        ({"registered_capital": "lots"}, "body.fields.registered_capital"),
        ({"entity_type": "11 00"}, "body.fields.entity_type"),
        ({"address": 12}, "body.fields.address"),
        ({"licence_number": "X1"}, "body.fields.licence_number"),
        ({"issue_date": "2024-01-01"}, "body.fields.issue_date"),
    ],
)
async def test_fields_outside_the_schema_are_422_naming_the_field(
    issuance: RunningService, fields: dict[str, Any], named: str
) -> None:
    body = business()
    body["fields"] = {**body["fields"], **fields}
    body["fields"] = {k: v for k, v in body["fields"].items() if v is not None}
    assert error_fields(await post(issuance, body)) == [named]


async def test_every_field_type_is_checked(issuance: RunningService) -> None:
    base = {"holder_name": "测试", "jurisdiction_code": "370784"}
    body = {
        "type_code": TEST_TYPE,
        "holder": organisation(5),
        "valid_from": "2024-01-01",
        "fields": {
            **base,
            "count": 3,
            "amount": 12.5,
            "approved": True,
            "checked_on": "2024-02-29",
        },
    }
    ok = await post(issuance, body, key="types-ok")
    assert ok.status_code == 201, ok.text
    assert ok.json()["fields"]["amount"] == "12.5"
    assert ok.json()["fields"]["count"] == 3
    bad = {
        **base,
        "count": True,
        "amount": "NaN",
        "approved": "yes",
        "checked_on": "2023-02-29",
        "category": "",
    }
    response = await post(issuance, {**body, "fields": bad}, key="types-bad")
    assert sorted(error_fields(response)) == [
        "body.fields.amount",
        "body.fields.approved",
        "body.fields.category",
        "body.fields.checked_on",
        "body.fields.count",
    ]
    missing = await post(issuance, {**body, "fields": base}, key="types-missing")
    assert error_fields(missing) == ["body.fields.count"]


async def test_bad_input_changes_nothing(issuance: RunningService) -> None:
    body = business()
    body["fields"] = {**body["fields"], "shoe_size": "42"}
    assert (await post(issuance, body, key="same")).status_code == 422
    async with issuance.runtime.database.sessionmaker() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Licence)) == 0
    # …and the key was not used up: the corrected request goes through under it.
    assert (await post(issuance, business(), key="same")).status_code == 201


async def test_same_idempotency_key_gives_the_same_licence_and_answer(
    issuance: RunningService,
) -> None:
    first = await post(issuance, business(), key="retry-me")
    second = await post(issuance, business(), key="retry-me")
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert first.json() == second.json()
    by_body = await post(issuance, {**business(), "idempotency_key": "retry-me"}, key=None)
    assert by_body.json() == first.json()
    async with issuance.runtime.database.sessionmaker() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Licence)) == 1

    other = await post(issuance, business(2), key="retry-me")
    assert other.status_code == 409
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert other.json()["licence_id"] == first.json()["licence_id"]
    # Keys are per department: another department's same key is its own.
    approval = await post(issuance, business(3), key="retry-me", dept="administrative-approval")
    assert approval.status_code == 201
    assert approval.json()["licence_id"] != first.json()["licence_id"]


async def test_the_idempotency_key_is_required_and_must_agree(issuance: RunningService) -> None:
    assert error_fields(await post(issuance, business(), key=None)) == ["body.idempotency_key"]
    mismatch = await post(issuance, {**business(), "idempotency_key": "a"}, key="b")
    assert error_fields(mismatch) == ["body.idempotency_key"]


async def test_departments_issue_only_their_types(issuance: RunningService) -> None:
    id_card = {
        "type_code": ID_CARD,
        "holder": person(1),
        "fields": id_card_fields(),
        "valid_from": "2024-01-01",
    }
    refused = await post(issuance, id_card, dept=MARKET)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/not-an-issuer")
    allowed = await post(issuance, id_card, dept="public-security")
    assert allowed.status_code == 201
    # Stating another department's issuer code is refused too.
    other = await post(issuance, business(issuer_code="11370784PH1946133Q"))
    assert other.status_code == 403
    unknown_department = await post(issuance, business(), dept="no-such-department")
    assert unknown_department.status_code == 403
    assert unknown_department.json()["type"].endswith("/no-department")


async def test_scopes_and_department_claim_are_required(issuance: RunningService) -> None:
    body = json.dumps(business())
    headers = {"Idempotency-Key": "x", "Content-Type": "application/json"}
    anonymous = await issuance.client.post("/v1/licences", content=body, headers=headers)
    assert anonymous.status_code == 401
    reader = issuance.auth(MARKET, "licences:read")
    no_scope = await issuance.client.post(
        "/v1/licences", content=body, headers={**headers, **reader}
    )
    assert no_scope.status_code == 403
    token = issuance.token("", ISSUE)
    no_dept = await issuance.client.post(
        "/v1/licences",
        content=body,
        headers={**headers, "Authorization": f"Bearer {token}"},
    )
    assert no_dept.status_code == 403
    assert no_dept.json()["type"].endswith("/no-department")


async def test_concurrent_retries_issue_one_licence(issuance: RunningService) -> None:
    responses = await asyncio.gather(*(post(issuance, business(), key="race") for _ in range(6)))
    assert [r.status_code for r in responses] == [201] * 6, [r.text for r in responses]
    assert len({r.json()["licence_id"] for r in responses}) == 1
    assert sum("Idempotent-Replayed" in r.headers for r in responses) == 5
    # Different keys at the same time get distinct serials and status-list entries.
    distinct = await asyncio.gather(
        *(post(issuance, business(n), key=f"parallel-{n}") for n in range(2, 8))
    )
    assert [r.status_code for r in distinct] == [201] * 6
    assert len({r.json()["licence_id"] for r in distinct}) == 6
    assert len({r.json()["status_list"]["idx"] for r in distinct}) == 6
    async with issuance.runtime.database.sessionmaker() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Licence)) == 7
