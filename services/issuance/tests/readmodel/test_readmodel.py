"""Catalog events are upserts by code; an older event never rolls a record back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wuzheng.contracts import CreditCode
from wuzheng.contracts.events.catalog import DepartmentUpserted
from wuzheng.issuance.readmodel import service as readmodel
from wuzheng.issuance.testing import publish
from wuzheng.messaging.testing import wait_until
from wuzheng.service.testing import RunningService


def department(code: str, name: str) -> DepartmentUpserted:
    return DepartmentUpserted(
        code=code,
        name=name,
        aliases=(),
        kind="government",
        issuer_code=CreditCode("11370784PH65115186"),
        issuer_code_placeholder=True,
    )


async def test_late_events_do_not_roll_back(issuance: RunningService) -> None:
    runtime = issuance.runtime
    now = datetime.now(UTC)
    await publish(runtime.nats, runtime.topology, [department("justice", "安丘市司法局")], time=now)
    late = now - timedelta(minutes=5)
    await publish(runtime.nats, runtime.topology, [department("justice", "旧名称")], time=late)
    # Events of one stream are applied in order: once the sentinel is in, both are.
    await publish(runtime.nats, runtime.topology, [department("sentinel", "哨兵")])

    async def applied() -> bool:
        async with runtime.database.sessionmaker() as session:
            return await readmodel.department(session, "sentinel") is not None

    await wait_until(applied, timeout=10, message="sentinel applied")
    async with runtime.database.sessionmaker() as session:
        justice = await readmodel.department(session, "justice")
    assert justice is not None
    assert justice.name == "安丘市司法局"
    assert runtime.consumer("issuance-catalog").stats.processed >= 3
