"""The licence as a PDF: the same content and access rules as render.svg, no ID number in full."""

from __future__ import annotations

import io

from pypdf import PdfReader

from wuzheng.contracts import LicenceId
from wuzheng.issuance.testing import ID_CARD, id_card_fields, person, resident_id
from wuzheng.service.testing import RunningService

POLICE = "public-security"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    return "".join(page.extract_text() for page in reader.pages)


async def issue_id_card(service: RunningService) -> dict[str, object]:
    body = {
        "type_code": ID_CARD,
        "holder": person(7),
        "fields": id_card_fields(),
        "valid_from": "2024-01-01",
        "valid_until": "2044-01-01",
    }
    headers = {**service.auth(POLICE, "licences:issue"), "Idempotency-Key": "pdf-7"}
    response = await service.client.post("/v1/licences", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_pdf_shows_the_licence_and_masks_the_id_number(issuance: RunningService) -> None:
    licence = await issue_id_card(issuance)
    lid = str(licence["licence_id"])
    reader = issuance.auth(POLICE, "licences:read")
    response = await issuance.client.get(f"/v1/licences/{lid}/render.pdf", headers=reader)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    number = resident_id(7)
    masked = number[:4] + "*" * 10 + number[-4:]
    for expected in (
        "居民身份证",
        f"证照编号 {licence['licence_no']}",
        lid,
        "李四",
        "性别",
        "安丘市公安局",
        "有效期 2024-01-01 至 2044-01-01",
        "状态：有效",
        f"111:{masked}",
    ):
        assert expected in text, expected
    assert number not in text
    assert number.encode() not in response.content
    # The SVG shows the same: the two drawings share their data preparation.
    svg = await issuance.client.get(f"/v1/licences/{lid}/render.svg", headers=reader)
    assert f"111:{masked}" in svg.text
    assert number not in svg.text


async def test_pdf_access_matches_the_svg(issuance: RunningService) -> None:
    lid = str((await issue_id_card(issuance))["licence_id"])
    unknown = str(LicenceId.parse(lid).next_version())
    cases = [
        (lid, {}),  # 401: no token
        (lid, issuance.auth(POLICE)),  # 403: no scope
        (lid, issuance.auth("market-regulation", "licences:issue")),  # 403: not its department
        (unknown, issuance.auth(POLICE, "licences:read")),  # 404
        ("not-a-licence-id", issuance.auth(POLICE, "licences:read")),  # 422
    ]
    seen = []
    for target, headers in cases:
        pdf = await issuance.client.get(f"/v1/licences/{target}/render.pdf", headers=headers)
        svg = await issuance.client.get(f"/v1/licences/{target}/render.svg", headers=headers)
        assert pdf.headers["content-type"] == "application/problem+json"
        assert (pdf.status_code, pdf.json()["type"]) == (svg.status_code, svg.json()["type"])
        seen.append(pdf.status_code)
    assert seen == [401, 403, 403, 404, 422]
