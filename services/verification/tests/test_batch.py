"""``POST /v1/verifications:batch``: up to 100, one result and one record each."""

from __future__ import annotations

import sqlalchemy as sa

from wuzheng.service.testing import RunningService
from wuzheng.verification.audit.models import AccessRecord
from wuzheng.verification.testing import ID_CARD, PERSON, Mesh


def item(licence_id: str, seq: int = 5) -> dict[str, object]:
    return {
        "licence_id": licence_id,
        "holder": str(PERSON),
        "item_seq_no": seq,
        "purpose": "批量核验",
    }


async def test_each_item_gets_its_own_result_and_record(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licences = [mesh.peer.issue(ID_CARD, PERSON) for _ in range(5)]
    items = [item(lic.licence_id) for lic in licences]
    items.append(item("1.2.156.3005.2.BAD"))
    items.append(item(licences[0].licence_id, seq=99))
    response = await verification.client.post(
        "/v1/verifications:batch", json={"items": items}, headers=counter
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert [r["status"] for r in out["results"]] == [200] * 5 + [422, 403]
    assert out["succeeded"] == 5
    assert out["failed"] == 2
    assert out["results"][5]["problem"]["segment"] == "structure"
    assert all(r["verification"]["outcome"] == "valid" for r in out["results"][:5])
    async with verification.runtime.database.sessionmaker() as session:
        count = await session.scalar(sa.select(sa.func.count()).select_from(AccessRecord))
    assert count == 7


async def test_batch_limits_and_scope(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    too_many = await verification.client.post(
        "/v1/verifications:batch", json={"items": [item(licence.licence_id)] * 101}, headers=counter
    )
    assert too_many.status_code == 422
    empty = await verification.client.post(
        "/v1/verifications:batch", json={"items": []}, headers=counter
    )
    assert empty.status_code == 422
    refused = await verification.client.post(
        "/v1/verifications:batch",
        json={"items": [item(licence.licence_id)] * 2},
        headers=verification.auth("civil-affairs", "stats:read"),
    )
    assert refused.status_code == 403
    async with verification.runtime.database.sessionmaker() as session:
        results = (await session.scalars(sa.select(AccessRecord.result))).all()
    assert results == ["refused:scope", "refused:scope"]
    assert mesh.peer.calls == 0
