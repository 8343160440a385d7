"""``/v1/departments``: reads, replacing a placeholder issuer code, creating a department."""

from __future__ import annotations

from typing import Any

import pytest
from stdnum.cn import uscc

from wuzheng.catalog.data import load_departments, load_items, load_licence_types
from wuzheng.catalog.testing import EventTap, outbox_envelopes
from wuzheng.contracts.events.catalog import DepartmentUpserted, LicenceTypeUpserted
from wuzheng.service.testing import RunningService


def credit_code(body: str) -> str:
    """A well-formed USCC: 17 characters + the GB 32100 check character."""
    return body + uscc.calc_check_digit(body)


REAL_CODE = credit_code("11370784MB0000001")


def market_regulation(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "安丘市市场监督管理局",
        "aliases": ["市场监督管理局", "市场监管部门", "市市场监管局"],
        "kind": "government",
        "issuer_code": REAL_CODE,
    }
    body.update(changes)
    return body


async def test_list_and_detail(catalog: RunningService) -> None:
    listed = (await catalog.client.get("/v1/departments")).json()
    assert [d["code"] for d in listed] == [d.code for d in load_departments()]
    police = next(d for d in listed if d["code"] == "public-security")
    assert police["name"] == "安丘市公安局"
    assert police["issuer_code"] == "11370784PH40135152"
    assert police["issuer_code_placeholder"] is True
    assert police["kind"] == "government"
    assert {d["kind"] for d in listed} == {"government", "public_service"}

    detail = (await catalog.client.get("/v1/departments/public-security")).json()
    assert detail["item_count"] == sum(i.department == "public-security" for i in load_items())
    assert [t["name"] for t in detail["licence_types"]][:2] == ["居民身份证", "临时身份证明"]
    assert len(detail["licence_types"]) == 7


async def test_unknown_and_malformed_codes(catalog: RunningService) -> None:
    missing = await catalog.client.get("/v1/departments/no-such-department")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    malformed = await catalog.client.get("/v1/departments/Public_Security")
    assert malformed.status_code == 422
    assert [e["field"] for e in malformed.json()["errors"]] == ["path.code"]


async def test_replacing_a_placeholder_issuer_code_reaches_the_licence_types(
    catalog: RunningService, write_headers: dict[str, str], tap: EventTap
) -> None:
    response = await catalog.client.put(
        "/v1/departments/market-regulation", json=market_regulation(), headers=write_headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["issuer_code"] == REAL_CODE
    assert response.json()["issuer_code_placeholder"] is False

    (department,) = await tap.wait_for("catalog.department.upserted")
    assert isinstance(department, DepartmentUpserted)
    assert department.code == "market-regulation"
    assert department.issuer_code == REAL_CODE
    assert department.issuer_code_placeholder is False

    issued = [t for t in load_licence_types() if "market-regulation" in t.issuing_departments]
    types = await tap.wait_for("catalog.licence_type.upserted", count=len(issued))
    assert sorted(t.code for t in types) == sorted(t.code for t in issued)
    licence = next(t for t in types if t.name == "营业执照")
    assert isinstance(licence, LicenceTypeUpserted)
    assert [(d.code, d.issuer_code) for d in licence.issuing_departments] == [
        ("market-regulation", REAL_CODE),
        ("administrative-approval", "11370784PH1946133Q"),
    ]
    assert licence.fields[0].key == "licence_name"

    shown = (await catalog.client.get("/v1/licence-types/11370784PH3724083H001")).json()
    assert shown["issuing_departments"][0]["issuer_code"] == REAL_CODE

    # the same state again: nothing to do, nothing emitted
    count = len(await outbox_envelopes(catalog.runtime))
    again = await catalog.client.put(
        "/v1/departments/market-regulation", json=market_regulation(), headers=write_headers
    )
    assert again.status_code == 200
    assert len(await outbox_envelopes(catalog.runtime)) == count


async def test_an_operator_registers_a_new_issuer(
    catalog: RunningService, write_headers: dict[str, str], tap: EventTap
) -> None:
    code = credit_code("12370784MB0000002")
    body = {"name": "安丘市人民医院", "kind": "public_service", "issuer_code": code}
    created = await catalog.client.put(
        "/v1/departments/anqiu-peoples-hospital", json=body, headers=write_headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["aliases"] == ["安丘市人民医院"]
    (event,) = await tap.wait_for("catalog.department.upserted")
    assert event.code == "anqiu-peoples-hospital"
    assert tap.of_type("catalog.licence_type.upserted") == []
    detail = (await catalog.client.get("/v1/departments/anqiu-peoples-hospital")).json()
    assert detail["item_count"] == 0
    assert detail["licence_types"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            market_regulation(issuer_code=REAL_CODE[:-1] + ("0" if REAL_CODE[-1] != "0" else "1")),
            "body.issuer_code",
        ),
        (market_regulation(issuer_code="123"), "body.issuer_code"),
        (market_regulation(kind="company"), "body.kind"),
        (market_regulation(name=""), "body.name"),
        (market_regulation(aliases=[""]), "body.aliases.0"),
        (market_regulation(mayor="x"), "body.mayor"),
    ],
)
async def test_bad_department_input_is_422_and_changes_nothing(
    catalog: RunningService, write_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    before = (await catalog.client.get("/v1/departments/market-regulation")).json()
    response = await catalog.client.put(
        "/v1/departments/market-regulation", json=body, headers=write_headers
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await catalog.client.get("/v1/departments/market-regulation")).json() == before


async def test_an_issuer_code_belongs_to_one_department(
    catalog: RunningService, write_headers: dict[str, str]
) -> None:
    taken = market_regulation(issuer_code="11370784PH40135152")  # the police's placeholder
    response = await catalog.client.put(
        "/v1/departments/market-regulation", json=taken, headers=write_headers
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/issuer-code-taken")
    assert response.json()["department"] == "public-security"


async def test_changing_a_department_needs_the_operator_scope(catalog: RunningService) -> None:
    url = "/v1/departments/market-regulation"
    assert (await catalog.client.put(url, json=market_regulation())).status_code == 401
    reader = catalog.auth("market-regulation", "licences:read")
    response = await catalog.client.put(url, json=market_regulation(), headers=reader)
    assert response.status_code == 403
    shown = (await catalog.client.get(url)).json()
    assert shown["issuer_code_placeholder"] is True
