"""``/v1/items``: filters, Chinese search, paging, materials, form fields, errors, auth."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import Response

from wuzheng.catalog.data import load_demo_materials, load_departments, load_items
from wuzheng.catalog.testing import EventTap, outbox_envelopes
from wuzheng.contracts.events.catalog import ItemMaterialsChanged
from wuzheng.service.testing import RunningService

PASSPORT = 41  # 普通护照签发
DISABILITY_RENEWAL = 5  # 残疾人证换领 (demo materials: 残疾人证 + 居民身份证)
ID_CARD = "11370784PH40135152001"  # 居民身份证
HOUSEHOLD_REGISTER = "11370784PH40135152003"


def seq_nos(response: Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["seq_no"] for item in response.json()["items"]]


def expected_matches(term: str) -> list[int]:
    """Items whose name, department text or department name contains ``term``."""
    names = {d.code: d.name for d in load_departments()}
    return [
        i.seq_no
        for i in load_items()
        if term in i.name or term in i.department_text or term in names[i.department]
    ]


def problem_fields(response: Response) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return [error["field"] for error in response.json()["errors"]]


async def test_search_finds_chinese_substrings(catalog: RunningService) -> None:
    client = catalog.client
    passport = await client.get("/v1/items", params={"q": "护照"})
    assert seq_nos(passport) == [PASSPORT]
    assert passport.json()["items"][0]["name"] == "普通护照签发"

    disability = await client.get("/v1/items", params={"q": "残疾", "limit": 500})
    found = seq_nos(disability)
    assert found == expected_matches("残疾")
    assert {1, 2, 3, 4, 5, 6, 7} <= set(found)  # 残疾人证注销 … 全国残疾人按比例就业情况联网认证
    assert disability.json()["total"] == len(found)

    permits = await client.get("/v1/items", params={"q": "通行证"})
    assert seq_nos(permits) == [34, 39, 40, 42, 43]

    # every whitespace-separated term must match
    assert seq_nos(await client.get("/v1/items", params={"q": " 残疾人证  换领 "})) == [5]
    # the department's name matches too: 华润燃气's items without 燃气 in their name
    assert seq_nos(await client.get("/v1/items", params={"q": "华润"})) == expected_matches("华润")
    # LIKE wildcards are plain characters
    for wildcard in ("%", "_", "\\"):
        page = await client.get("/v1/items", params={"q": wildcard})
        assert page.json()["total"] == 0
    # an empty query is no filter
    assert (await client.get("/v1/items", params={"q": ""})).json()["total"] == 664


async def test_filters(catalog: RunningService) -> None:
    client = catalog.client
    items = load_items()

    async def total(**params: Any) -> int:
        response = await client.get("/v1/items", params=params)
        assert response.status_code == 200, response.text
        return int(response.json()["total"])

    assert await total() == 664
    assert await total(department="public-security") == sum(
        i.department == "public-security" for i in items
    )
    assert await total(level="市级") == sum("市级" in i.levels for i in items) == 111
    assert await total(level="县级") == sum("县级" in i.levels for i in items) == 658
    assert await total(batch=1) == 664

    demo = load_demo_materials().items
    for mode in ("e_licence", "commitment", "data_sharing", "direct_cancel", "paper"):
        response = await client.get("/v1/items", params={"mode": mode, "limit": 500})
        expected = [d.seq_no for d in demo if any(m.mode == mode for m in d.materials)]
        assert seq_nos(response) == sorted(expected), mode
        assert all(mode in item["modes"] for item in response.json()["items"])

    combined = await client.get(
        "/v1/items",
        params={"department": "disabled-persons-federation", "mode": "e_licence", "q": "换领"},
    )
    assert seq_nos(combined) == [DISABILITY_RENEWAL]
    item = combined.json()["items"][0]
    assert item["department_name"] == "安丘市残疾人联合会"
    assert item["levels"] == ["县级"]
    assert item["batches"] == [1]
    assert item["modes"] == ["e_licence"]


async def test_paging_reports_the_total(catalog: RunningService) -> None:
    client = catalog.client
    first = await client.get("/v1/items", params={"limit": 10})
    assert first.json()["total"] == 664
    assert seq_nos(first) == list(range(1, 11))
    last = await client.get("/v1/items", params={"limit": 10, "offset": 660})
    assert seq_nos(last) == [661, 662, 663, 664]
    beyond = await client.get("/v1/items", params={"limit": 10, "offset": 1000})
    assert beyond.json() == {"total": 664, "limit": 10, "offset": 1000, "items": []}

    collected: list[int] = []
    for offset in range(0, 664, 200):
        collected += seq_nos(await client.get("/v1/items", params={"limit": 200, "offset": offset}))
    assert collected == [i.seq_no for i in load_items()]

    filtered = await client.get("/v1/items", params={"level": "市级", "limit": 7, "offset": 7})
    assert filtered.json()["total"] == 111
    assert len(seq_nos(filtered)) == 7


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "省级"}, "query.level"),
        ({"mode": "fax"}, "query.mode"),
        ({"department": "Public_Security"}, "query.department"),
        ({"department": "no-such-department"}, "query.department"),
        ({"batch": 0}, "query.batch"),
        ({"batch": 99}, "query.batch"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 501}, "query.limit"),
        ({"offset": -1}, "query.offset"),
        ({"q": "长" * 101}, "query.q"),
    ],
)
async def test_bad_filters_are_422_naming_the_parameter(
    catalog: RunningService, params: dict[str, Any], field: str
) -> None:
    response = await catalog.client.get("/v1/items", params=params)
    assert response.status_code == 422, response.text
    assert problem_fields(response) == [field]
    assert field in response.json()["detail"]


async def test_one_item_with_its_materials(catalog: RunningService) -> None:
    response = await catalog.client.get(f"/v1/items/{DISABILITY_RENEWAL}")
    assert response.status_code == 200, response.text
    item = response.json()
    assert item["name"] == "残疾人证换领"
    assert [m["name"] for m in item["materials"]] == ["残疾人证", "居民身份证"]
    card = item["materials"][1]
    assert card["mode"] == "e_licence"
    assert card["licence_type"] == ID_CARD
    assert card["licence_type_name"] == "居民身份证"
    assert card["origin"] == "demo"
    assert card["position"] == 2

    materials = await catalog.client.get(f"/v1/items/{DISABILITY_RENEWAL}/materials")
    assert materials.json() == {"seq_no": DISABILITY_RENEWAL, "materials": item["materials"]}

    none = await catalog.client.get(f"/v1/items/{PASSPORT}/materials")
    assert none.json() == {"seq_no": PASSPORT, "materials": []}


@pytest.mark.parametrize(
    "path",
    ["/v1/items/9999", "/v1/items/9999/materials", "/v1/items/9999/form-fields"],
)
async def test_unknown_item_is_404(catalog: RunningService, path: str) -> None:
    response = await catalog.client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "no item 9999"


async def test_malformed_item_number_is_422(catalog: RunningService) -> None:
    for path in ("/v1/items/abc", "/v1/items/0", "/v1/items/-3/materials"):
        response = await catalog.client.get(path)
        assert response.status_code == 422, path
        assert problem_fields(response) == ["path.seq_no"]


PASSPORT_MATERIALS: list[dict[str, Any]] = [
    {
        "name": "居民身份证",
        "mode": "e_licence",
        "licence_type": ID_CARD,
        "legal_basis": "《中华人民共和国护照法》第五条",
        "form_fields": ["applicant_name", "applicant_id_number"],
    },
    {
        "name": "户口簿",
        "mode": "data_sharing",
        "provider_department": "public-security",
        "legal_basis": "《中华人民共和国护照法》",
    },
    {
        "name": "近期免冠照片",
        "mode": "commitment",
        "commitment_text": "本人承诺所提交照片为近期本人免冠照片。",
        "legal_basis": "《普通护照和出入境通行证签发管理办法》",
    },
    {"name": "护照申请表", "mode": "paper", "legal_basis": "《中华人民共和国护照法》"},
]


async def test_operators_replace_materials_and_the_change_is_published(
    catalog: RunningService, write_headers: dict[str, str], tap: EventTap
) -> None:
    client = catalog.client
    url = f"/v1/items/{PASSPORT}/materials"
    before = len(await outbox_envelopes(catalog.runtime))

    response = await client.put(url, json={"materials": PASSPORT_MATERIALS}, headers=write_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [m["position"] for m in body["materials"]] == [1, 2, 3, 4]
    assert {m["origin"] for m in body["materials"]} == {"operator"}
    assert body["materials"][0]["licence_type_name"] == "居民身份证"
    assert (await client.get(url)).json() == body

    (payload,) = await tap.wait_for("catalog.item.materials_changed")
    assert isinstance(payload, ItemMaterialsChanged)
    assert payload.seq_no == PASSPORT
    assert [m.name for m in payload.materials] == [m["name"] for m in PASSPORT_MATERIALS]
    assert payload.materials[0].licence_type == ID_CARD
    assert payload.materials[1].provider_department == "public-security"
    assert payload.materials[2].commitment_text == PASSPORT_MATERIALS[2]["commitment_text"]
    written = await outbox_envelopes(catalog.runtime)
    assert [e.event_name for e in written[before:]] == ["catalog.item.materials_changed"]
    assert written[-1].subject == str(PASSPORT)

    filtered = await client.get("/v1/items", params={"mode": "commitment", "q": "护照"})
    assert seq_nos(filtered) == [PASSPORT]
    assert filtered.json()["items"][0]["modes"] == [
        "commitment",
        "data_sharing",
        "e_licence",
        "paper",
    ]

    # the same list again changes nothing and emits nothing
    again = await client.put(url, json={"materials": PASSPORT_MATERIALS}, headers=write_headers)
    assert again.json() == body
    assert len(await outbox_envelopes(catalog.runtime)) == len(written)

    # an empty list clears them
    cleared = await client.put(url, json={"materials": []}, headers=write_headers)
    assert cleared.json()["materials"] == []
    payloads = await tap.wait_for("catalog.item.materials_changed", count=2)
    assert payloads[1].materials == ()


def _with(index: int, **changes: Any) -> dict[str, Any]:
    materials = [dict(m) for m in PASSPORT_MATERIALS]
    materials[index].update(changes)
    for key, value in list(materials[index].items()):
        if value is None:
            del materials[index][key]
    return {"materials": materials}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (_with(0, licence_type=None), ["body.materials.0.licence_type"]),
        (_with(0, licence_type="11370784PH40135152999"), ["body.materials.0.licence_type"]),
        (_with(0, licence_type="NOT-A-CODE"), ["body.materials.0.licence_type"]),
        (_with(3, licence_type=HOUSEHOLD_REGISTER), ["body.materials.3.licence_type"]),
        (_with(0, mode="fax"), ["body.materials.0.mode"]),
        (_with(2, commitment_text=None), ["body.materials.2.commitment_text"]),
        (_with(3, commitment_text="我承诺"), ["body.materials.3.commitment_text"]),
        (_with(1, provider_department=None), ["body.materials.1.provider_department"]),
        (_with(1, provider_department="no-such"), ["body.materials.1.provider_department"]),
        (_with(0, form_fields=["applicant_name", "shoe_size"]), ["body.materials.0.form_fields.1"]),
        (_with(0, form_fields=["Bad Key"]), ["body.materials.0.form_fields.0"]),
        (_with(0, colour="red"), ["body.materials.0.colour"]),
        (_with(0, name=""), ["body.materials.0.name"]),
        ({"materials": "none"}, ["body.materials"]),
        ({}, ["body.materials"]),
        (
            {
                "materials": [
                    {"name": "x", "mode": "e_licence", "legal_basis": "y"},
                    {"name": "x", "mode": "commitment", "legal_basis": "y"},
                ]
            },
            ["body.materials.0.licence_type", "body.materials.1.commitment_text"],
        ),
    ],
)
async def test_bad_materials_are_422_naming_each_field_and_change_nothing(
    catalog: RunningService,
    write_headers: dict[str, str],
    body: dict[str, Any],
    fields: list[str],
) -> None:
    url = f"/v1/items/{DISABILITY_RENEWAL}/materials"
    before = (await catalog.client.get(url)).json()
    events_before = len(await outbox_envelopes(catalog.runtime))
    response = await catalog.client.put(url, json=body, headers=write_headers)
    assert response.status_code == 422, response.text
    assert problem_fields(response) == fields
    assert (await catalog.client.get(url)).json() == before
    assert len(await outbox_envelopes(catalog.runtime)) == events_before


async def test_materials_of_an_unknown_item_are_404(
    catalog: RunningService, write_headers: dict[str, str]
) -> None:
    response = await catalog.client.put(
        "/v1/items/9999/materials", json={"materials": []}, headers=write_headers
    )
    assert response.status_code == 404


async def test_writing_materials_needs_the_operator_scope(catalog: RunningService) -> None:
    url = f"/v1/items/{PASSPORT}/materials"
    body = {"materials": PASSPORT_MATERIALS}
    anonymous = await catalog.client.put(url, json=body)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    garbage = await catalog.client.put(url, json=body, headers={"Authorization": "Bearer x.y.z"})
    assert garbage.status_code == 401
    reader = catalog.auth("public-security", "verify:request")
    forbidden = await catalog.client.put(url, json=body, headers=reader)
    assert forbidden.status_code == 403
    assert "catalog:write" in forbidden.json()["detail"]
    # bad input from an unauthenticated caller is still a 401, not a 422
    assert (await catalog.client.put(url, json={"x": 1})).status_code == 401
    assert (await catalog.client.get(url)).json()["materials"] == []


async def test_form_fields_come_from_the_items_licences(catalog: RunningService) -> None:
    response = await catalog.client.get(f"/v1/items/{DISABILITY_RENEWAL}/form-fields")
    assert response.status_code == 200, response.text
    fields = {f["key"]: f for f in response.json()["fields"]}
    assert list(fields) == [
        "disability_certificate_number",
        "disability_category",
        "disability_grade",
        "applicant_name",
        "applicant_id_number",
        "gender",
        "date_of_birth",
        "address",
    ]
    name = fields["applicant_name"]
    assert name["personal"] is True
    assert name["materials"] == [2]
    assert name["fill_from"] == [
        {
            "material_position": 2,
            "material_name": "居民身份证",
            "licence_type": ID_CARD,
            "licence_name": "居民身份证",
            "field": "holder_name",
            "field_label": "持证主体（姓名）",
        }
    ]
    grade = fields["disability_grade"]["fill_from"]
    assert [(s["licence_name"], s["material_position"]) for s in grade] == [("残疾人证", 1)]

    none = await catalog.client.get(f"/v1/items/{PASSPORT}/form-fields")
    assert none.json() == {"seq_no": PASSPORT, "fields": []}
