"""``/v1/licence-types``: the 50 licence types of 附件2 with their field schemas."""

from __future__ import annotations

from wuzheng.catalog.data import load_licence_types
from wuzheng.service.testing import RunningService


async def test_list_and_detail(catalog: RunningService) -> None:
    listed = (await catalog.client.get("/v1/licence-types")).json()
    assert [t["code"] for t in listed] == [t.code for t in load_licence_types()]
    assert len(listed) == 50
    first = listed[0]
    assert first["name"] == "居民身份证"
    assert first["holder_kind"] == "person"
    assert first["data_levels"] == ["省级"]
    assert first["issuing_departments"] == [
        {
            "code": "public-security",
            "name": "安丘市公安局",
            "issuer_code": "11370784PH40135152",
            "issuer_code_placeholder": True,
        }
    ]
    assert "fields" not in first

    business = (await catalog.client.get("/v1/licence-types/11370784PH3724083H001")).json()
    assert business["name"] == "营业执照"
    assert business["holder_kind"] == "organisation"
    assert [d["code"] for d in business["issuing_departments"]] == [
        "market-regulation",
        "administrative-approval",
    ]
    keys = [f["key"] for f in business["fields"]]
    assert keys[:3] == ["licence_name", "licence_number", "licence_type_code"]
    representative = next(f for f in business["fields"] if f["key"] == "legal_representative")
    assert representative["personal"] is True


async def test_unknown_and_malformed_codes(catalog: RunningService) -> None:
    missing = await catalog.client.get("/v1/licence-types/11370784PH40135152999")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    for bad in ("ABC", "11370784ph40135152001", "11370784PH401351520011"):
        response = await catalog.client.get(f"/v1/licence-types/{bad}")
        assert response.status_code == 422, bad
        assert [e["field"] for e in response.json()["errors"]] == ["path.code"]
