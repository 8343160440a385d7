"""The read model is fed by the real catalog service's events: run both, issue a licence of a
type the catalog seeded, change a department in the catalog and watch issuance follow."""

from __future__ import annotations

from typing import Any

from stdnum.cn import uscc

from wuzheng.catalog.app import DEFINITION as CATALOG
from wuzheng.issuance.app import DEFINITION as ISSUANCE
from wuzheng.issuance.readmodel import service as readmodel
from wuzheng.issuance.testing import organisation
from wuzheng.messaging.testing import wait_until
from wuzheng.service.testing import ServiceHarness

BUSINESS_LICENCE = "11370784PH3724083H001"
APPROVAL = "administrative-approval"
SAMPLES = {
    "string": "示例",
    "code": "A1",
    "date": "2024-01-01",
    "integer": 1,
    "number": "1.5",
    "boolean": True,
}
ISSUER_FILLED = {
    "licence_name", "licence_number", "licence_type_code", "issuer_name", "issuer_code",
    "issue_date", "holder_code", "holder_code_type", "valid_from", "valid_until",
}  # fmt: skip


def sample_fields(schema: list[dict[str, Any]]) -> dict[str, Any]:
    """A value of the right type for every required field the caller gives."""
    return {
        field["key"]: SAMPLES[field["type"]]
        for field in schema
        if field["required"] and field["key"] not in ISSUER_FILLED
    }


async def test_read_model_follows_the_catalog(service_harness: ServiceHarness) -> None:
    async with (
        service_harness.run(CATALOG) as catalog,
        service_harness.run(ISSUANCE) as issuance,
    ):
        departments = (await catalog.client.get("/v1/departments")).json()
        types = (await catalog.client.get("/v1/licence-types")).json()

        async def fed() -> bool:
            async with issuance.runtime.database.sessionmaker() as session:
                return await readmodel.counts(session) == (len(departments), len(types))

        await wait_until(fed, timeout=60, message="issuance read model fed by the catalog")

        detail = (await catalog.client.get(f"/v1/licence-types/{BUSINESS_LICENCE}")).json()
        body = {
            "type_code": BUSINESS_LICENCE,
            "holder": organisation(1),
            "fields": sample_fields(detail["fields"]),
            "valid_from": "2024-01-01",
        }
        issue = {**issuance.auth(APPROVAL, "licences:issue"), "Idempotency-Key": "real-1"}
        first = await issuance.client.post("/v1/licences", json=body, headers=issue)
        assert first.status_code == 201, first.text
        approval = next(d for d in departments if d["code"] == APPROVAL)
        assert first.json()["issuer_code"] == approval["issuer_code"]
        assert first.json()["type_name"] == "营业执照"

        # The department's real USCC replaces the placeholder in the catalog…
        body_17 = "11370784MB0000001"
        real_code = body_17 + uscc.calc_check_digit(body_17)
        put = await catalog.client.put(
            f"/v1/departments/{APPROVAL}",
            json={"name": approval["name"], "kind": "government", "issuer_code": real_code},
            headers=catalog.auth(APPROVAL, "catalog:write"),
        )
        assert put.status_code == 200, put.text

        async def follows() -> bool:
            async with issuance.runtime.database.sessionmaker() as session:
                department = await readmodel.department(session, APPROVAL)
                licence_type = await readmodel.licence_type(session, BUSINESS_LICENCE)
            assert department is not None
            assert licence_type is not None
            issuer_codes = {d.code: d.issuer_code for d in licence_type.issuing_departments}
            return department.issuer_code == real_code and issuer_codes[APPROVAL] == real_code

        await wait_until(follows, timeout=30, message="read model follows the catalog change")
        # …and issuance seals under it from then on.
        second = await issuance.client.post(
            "/v1/licences",
            json={**body, "holder": organisation(2)},
            headers={**issue, "Idempotency-Key": "real-2"},
        )
        assert second.status_code == 201, second.text
        assert second.json()["issuer_code"] == real_code
        assert (await issuance.client.get(f"/v1/issuers/{real_code}/jwks.json")).status_code == 200
