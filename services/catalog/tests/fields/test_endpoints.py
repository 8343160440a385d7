"""``/v1/fields``: the field library."""

from __future__ import annotations

from wuzheng.catalog.data import load_field_library
from wuzheng.service.testing import RunningService


async def test_the_field_library(catalog: RunningService) -> None:
    listed = (await catalog.client.get("/v1/fields")).json()
    assert sorted(f["key"] for f in listed) == sorted(f.key for f in load_field_library().fields)
    name = next(f for f in listed if f["key"] == "applicant_name")
    assert name["label"] == "申请人姓名"
    assert name["personal"] is True
    assert name["sources"][0] == {
        "licence_type": "11370784PH40135152001",
        "licence_name": "居民身份证",
        "field": "holder_name",
        "field_label": "持证主体（姓名）",
    }
    one = await catalog.client.get("/v1/fields/applicant_name")
    assert one.json() == name


async def test_unknown_and_malformed_keys(catalog: RunningService) -> None:
    assert (await catalog.client.get("/v1/fields/shoe_size")).status_code == 404
    malformed = await catalog.client.get("/v1/fields/Shoe-Size")
    assert malformed.status_code == 422
    assert [e["field"] for e in malformed.json()["errors"]] == ["path.key"]
