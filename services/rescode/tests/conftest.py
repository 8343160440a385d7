"""Fixtures for the rescode tests: the service running in-process on a migrated database
(SQLite, or scratch PostgreSQL with ``WUZHENG_TEST_POSTGRES``) and the test NATS, with a
small catalogue published as ``catalog.*`` events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import sqlalchemy as sa

from wuzheng.rescode.app import DEFINITION
from wuzheng.rescode.catalog_view.models import CatalogItem, CatalogLicenceType
from wuzheng.rescode.context import Rescode
from wuzheng.rescode.testing import EventTap, FakeClock, Publisher, SampleCatalog, wait_for_row
from wuzheng.service.testing import RunningService, ServiceHarness


@pytest.fixture
async def rescode(service_harness: ServiceHarness) -> AsyncIterator[RunningService]:
    async with service_harness.run(DEFINITION) as service:
        # Stopping a consumer waits for its pending fetch: short fetches, and stopping them
        # together (the app's shutdown then finds them stopped), make quick teardowns.
        consumers = list(service.runtime.consumers.values())
        for consumer in consumers:
            consumer.fetch_timeout = 0.5
        yield service
        await asyncio.gather(*(consumer.stop() for consumer in consumers))


@pytest.fixture
def state(rescode: RunningService) -> Rescode:
    value = rescode.app.state.rescode
    assert isinstance(value, Rescode)
    return value


@pytest.fixture
def clock(state: Rescode) -> FakeClock:
    fake = FakeClock()
    state.clock = fake
    return fake


@pytest.fixture
def publisher(rescode: RunningService) -> Publisher:
    return Publisher.of(rescode.runtime)


@pytest.fixture
async def catalog(rescode: RunningService, publisher: Publisher) -> SampleCatalog:
    """The sample catalogue, once rescode's read model has all of it."""
    sample = SampleCatalog()
    await publisher.publish(*sample.events())
    await wait_for_row(
        rescode.runtime,
        sa.select(CatalogItem).where(
            CatalogItem.seq_no == sample.business_item, CatalogItem.materials_known.is_(True)
        ),
        message="catalogue read model",
    )
    await wait_for_row(
        rescode.runtime,
        sa.select(CatalogLicenceType).where(CatalogLicenceType.code == str(sample.business)),
        message="licence types in the read model",
    )
    return sample


@pytest.fixture
async def tap(rescode: RunningService) -> AsyncIterator[EventTap]:
    tap = EventTap()
    await tap.open(rescode.runtime)
    try:
        yield tap
    finally:
        await tap.close()


Headers = dict[str, str]


@pytest.fixture
def app_backend(rescode: RunningService) -> Headers:
    """The 爱山东 backend: issues codes, manages consents and mandates, reads wallets."""
    return rescode.auth(
        "aishandong", "codes:issue", "consents:manage", "wallet:read", operator=None
    )


@pytest.fixture
def counter(rescode: RunningService) -> Callable[..., Headers]:
    """A counter system's headers: ``counter(department, *extra_scopes, operator=...)``."""

    def make(
        department: str = "public-security", *extra: str, operator: str | None = "op-7"
    ) -> Headers:
        return rescode.auth(department, "codes:resolve", *extra, operator=operator)

    return make
