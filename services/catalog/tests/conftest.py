"""Fixtures for the catalog's tests: the service running in-process on a migrated database
(SQLite, or scratch PostgreSQL with ``WUZHENG_TEST_POSTGRES``) and the test NATS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from wuzheng.catalog.app import DEFINITION
from wuzheng.catalog.testing import WRITE_SCOPE, EventTap, wait_outbox_drained
from wuzheng.service.testing import RunningService, ServiceHarness


@pytest.fixture
async def catalog(service_harness: ServiceHarness) -> AsyncIterator[RunningService]:
    """The catalog, seeded at start-up from the bundled data (the default)."""
    async with service_harness.run(DEFINITION) as service:
        yield service


@pytest.fixture
async def empty_catalog(service_harness: ServiceHarness) -> AsyncIterator[RunningService]:
    """The catalog with ``CATALOG_SEED_ON_START=false``: migrated, nothing imported."""
    async with service_harness.run(DEFINITION, seed_on_start=False) as service:
        yield service


@pytest.fixture
def write_headers(catalog: RunningService) -> dict[str, str]:
    """An operator's bearer token with ``catalog:write``."""
    return catalog.auth("administrative-approval", WRITE_SCOPE)


@pytest.fixture
async def tap(catalog: RunningService) -> AsyncIterator[EventTap]:
    """``catalog.*`` events published after the start-up seed's events went out."""
    await wait_outbox_drained(catalog.runtime)
    tap = EventTap()
    await tap.open(catalog.runtime)
    try:
        yield tap
    finally:
        await tap.close()
