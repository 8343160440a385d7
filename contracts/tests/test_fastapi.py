"""The value types as FastAPI path, query and body parameters."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from pydantic import BaseModel
from stdnum.cn import ric, uscc

# FastAPI and httpx are dependencies of the web kit, not of the contracts.
pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from wuzheng.contracts import CreditCode, HolderCode, LicenceId, ResidentId

BODY = f"370784{dt.date(1990, 1, 1):%Y%m%d}123"
PERSON = BODY + ric.calc_check_digit(BODY + "0")
WRONG = BODY + ("0" if PERSON[-1] != "0" else "1")
ISSUER = "11370784MB2851345" + uscc.calc_check_digit("11370784MB2851345")
LICENCE = LicenceId.build(ISSUER + "001", ISSUER, "2024000123")


class Request(BaseModel):
    holder: HolderCode
    licence_id: LicenceId


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/people/{resident_id}")
    def person(resident_id: ResidentId) -> dict[str, str]:
        return {"masked": resident_id.masked(), "born": resident_id.birth_date.isoformat()}

    @app.get("/holders/{holder}")
    def holder(holder: HolderCode, issuer: CreditCode | None = None) -> dict[str, object]:
        return {"holder": holder, "person": holder.is_person, "issuer": issuer}

    @app.get("/licences/{licence_id}")
    def licence(licence_id: LicenceId) -> dict[str, object]:
        return {"serial": licence_id.serial, "next": licence_id.next_version()}

    @app.post("/requests")
    def request(body: Request) -> Request:
        return body

    return app


@pytest.fixture
async def client() -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=make_app()), base_url="http://t") as http:
        yield http


async def test_path_and_query_parameters(client: AsyncClient) -> None:
    got = await client.get(f"/people/{PERSON.lower()}")
    assert got.status_code == 200
    assert got.json() == {"masked": PERSON[:4] + "*" * 10 + PERSON[-4:], "born": "1990-01-01"}

    got = await client.get(f"/holders/111:{PERSON}", params={"issuer": ISSUER})
    assert got.status_code == 200
    assert got.json() == {"holder": f"111:{PERSON}", "person": True, "issuer": ISSUER}

    got = await client.get(f"/licences/{LICENCE}")
    assert got.status_code == 200
    assert got.json() == {"serial": "2024000123", "next": str(LICENCE.next_version())}


async def test_bad_values_answer_422_naming_the_problem(client: AsyncClient) -> None:
    got = await client.get(f"/people/{WRONG}")
    assert got.status_code == 422
    error = got.json()["detail"][0]
    assert error["type"] == "resident_id"
    assert "check character" in error["msg"]

    got = await client.get(f"/licences/{str(LICENCE)[:-1]}{'0' if LICENCE.check != '0' else '1'}")
    assert got.status_code == 422
    error = got.json()["detail"][0]
    assert error["type"] == "licence_id"
    assert error["ctx"] == {"segment": "check"}

    short_type = str(LICENCE).replace(ISSUER + "001", ISSUER + "01")
    got = await client.get(f"/licences/{short_type}")
    assert got.status_code == 422
    assert got.json()["detail"][0]["ctx"] == {"segment": "type_code"}
    assert "got 20" in got.json()["detail"][0]["msg"]


async def test_body_accepts_the_holder_object_and_answers_strings(client: AsyncClient) -> None:
    got = await client.post(
        "/requests",
        json={"holder": {"code_type": "001", "code": ISSUER}, "licence_id": str(LICENCE)},
    )
    assert got.status_code == 200
    assert got.json() == {"holder": f"001:{ISSUER}", "licence_id": str(LICENCE)}


def test_openapi_describes_the_types_as_patterned_strings() -> None:
    spec = make_app().openapi()
    params = spec["paths"]["/people/{resident_id}"]["get"]["parameters"]
    assert params[0]["in"] == "path"
    assert params[0]["schema"]["type"] == "string"
    assert params[0]["schema"]["pattern"] == "^[0-9]{17}[0-9Xx]$"
    licence = spec["paths"]["/licences/{licence_id}"]["get"]["parameters"][0]["schema"]
    assert licence["pattern"].startswith("^1\\.2\\.156\\.3005\\.2\\.")
