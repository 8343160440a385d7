"""Fixtures for the dispute service's tests: the service in-process on a migrated database
(SQLite, or scratch PostgreSQL with ``WUZHENG_TEST_POSTGRES``) and the test NATS, its clock
frozen, its read models fed through real events."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from wuzheng.dispute.app import DEFINITION
from wuzheng.dispute.context import DisputeContext
from wuzheng.dispute.sla.clock import FrozenClock
from wuzheng.dispute.testing import MONDAY_9AM, EventTap, World, seed
from wuzheng.service.testing import ServiceHarness


@pytest.fixture
async def world(service_harness: ServiceHarness) -> AsyncIterator[World]:
    async with service_harness.run(
        DEFINITION, frozen_time=MONDAY_9AM, overdue_check_seconds=3600
    ) as service:
        context = service.app.state.dispute
        assert isinstance(context, DisputeContext)
        assert isinstance(context.clock, FrozenClock)
        alice_card, bob_card = await seed(service)
        yield World(
            service,
            context,
            context.clock,
            alice_card.holder,
            bob_card.holder,
            alice_card,
            bob_card,
        )


@pytest.fixture
async def tap(world: World) -> AsyncIterator[EventTap]:
    tap = await EventTap().open(world.service.runtime)
    try:
        yield tap
    finally:
        await tap.close()
