"""``POST /v1/licences:batch``: each item all-or-nothing, a report per item."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from wuzheng.issuance.licences.models import Licence
from wuzheng.issuance.testing import (
    BUSINESS_LICENCE,
    EventTap,
    business_licence_fields,
    organisation,
)
from wuzheng.service.testing import RunningService


def item(n: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type_code": BUSINESS_LICENCE,
        "holder": str(organisation(n)),
        "fields": business_licence_fields(n),
        "valid_from": "2024-01-01",
        "idempotency_key": f"batch-{n}",
    }
    body.update(overrides)
    return body


async def test_batch_reports_each_item(issuance: RunningService, tap: EventTap) -> None:
    headers = issuance.auth("market-regulation", "licences:issue")
    items = [
        item(1),
        item(2, holder="001:91370784MA0000002A"),  # bad check character
        item(3, fields={"holder_name": "x"}),  # missing required fields
        item(4, idempotency_key=None),
        item(5, colour="red"),
        item(6),
        item(1),  # the same key as item 0: replayed
    ]
    response = await issuance.client.post(
        "/v1/licences:batch", json={"items": items}, headers=headers
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["issued"], report["replayed"], report["failed"]) == (2, 1, 4)
    outcomes = [r["outcome"] for r in report["items"]]
    assert outcomes == ["issued", "failed", "failed", "failed", "failed", "issued", "replayed"]
    assert report["items"][6]["licence_id"] == report["items"][0]["licence_id"]
    problems = {r["index"]: r["problem"] for r in report["items"] if r["problem"]}
    assert [e["field"] for e in problems[1]["errors"]] == ["body.items.1.holder"]
    assert "body.items.2.fields.legal_representative" in [e["field"] for e in problems[2]["errors"]]
    assert [e["field"] for e in problems[3]["errors"]] == ["body.items.3.idempotency_key"]
    assert [e["field"] for e in problems[4]["errors"]] == ["body.items.4.colour"]
    async with issuance.runtime.database.sessionmaker() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Licence)) == 2
    await tap.wait_for("certificate.licence.issued", count=2)


async def test_batch_size_is_limited(issuance: RunningService) -> None:
    headers = issuance.auth("market-regulation", "licences:issue")
    too_many = await issuance.client.post(
        "/v1/licences:batch", json={"items": [item(1)] * 1001}, headers=headers
    )
    assert too_many.status_code == 422
    assert [e["field"] for e in too_many.json()["errors"]] == ["body.items"]
    empty = await issuance.client.post("/v1/licences:batch", json={"items": []}, headers=headers)
    assert empty.status_code == 422
