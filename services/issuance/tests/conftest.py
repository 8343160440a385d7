"""Fixtures for the issuance service's tests: the service running in-process on a migrated
database (SQLite, or scratch PostgreSQL with ``WUZHENG_TEST_POSTGRES``) and the test NATS,
its catalog read model fed by real ``catalog.*`` events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from wuzheng.issuance.app import DEFINITION
from wuzheng.issuance.testing import EventTap, joint_seals_setting, seed_catalog
from wuzheng.service.testing import RunningService, ServiceHarness

SETTINGS: dict[str, Any] = {
    "joint_seals": joint_seals_setting(),
    "department_suites": {"health": "sm2-sm3"},
    "status_list_debounce_seconds": 0.1,
    "public_base_url": "https://issuance.example.test",
}


@pytest.fixture
async def issuance(service_harness: ServiceHarness) -> AsyncIterator[RunningService]:
    """The issuance service with the sample catalog in its read model."""
    async with service_harness.run(DEFINITION, **SETTINGS) as service:
        await seed_catalog(service.runtime)
        yield service


@pytest.fixture
async def tap(issuance: RunningService) -> AsyncIterator[EventTap]:
    """Every ``certificate.*`` event published on NATS from now on."""
    tap = await EventTap("certificate.>").open(issuance.runtime.nats, issuance.runtime.topology)
    try:
        yield tap
    finally:
        await tap.close()
