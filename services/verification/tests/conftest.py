"""Fixtures: the verification service on a migrated database (SQLite, or scratch PostgreSQL
with ``WUZHENG_TEST_POSTGRES``) and the test NATS, fed with a small catalogue, and an issuer
peer answering for public-security in the same namespace."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from wuzheng.service.testing import RunningService, ServiceHarness
from wuzheng.verification.app import DEFINITION
from wuzheng.verification.testing import PUBLIC_SECURITY, IssuerPeer, Mesh

FAST = {
    "issuer_timeout": 0.5,
    "issuer_retries": 1,
    "retry_backoff": 0.01,
    "breaker_failures": 3,
    "breaker_open_seconds": 0.5,
    "issuance_url": "",
}

VERIFY = "verify:request"
EVIDENCE = "evidence:request"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(FAST)


@pytest.fixture
async def verification(
    service_harness: ServiceHarness, settings_overrides: dict[str, Any]
) -> AsyncIterator[RunningService]:
    async with service_harness.run(DEFINITION, **settings_overrides) as service:
        yield service


@pytest.fixture
def peer() -> IssuerPeer:
    return IssuerPeer(PUBLIC_SECURITY, "public-security")


@pytest.fixture
async def mesh(verification: RunningService, peer: IssuerPeer) -> AsyncIterator[Mesh]:
    mesh = Mesh(verification.runtime, peer)
    await mesh.start()
    try:
        yield mesh
    finally:
        await peer.detach()


@pytest.fixture
def counter(verification: RunningService) -> dict[str, str]:
    """A counter system of civil-affairs, operator op-7, allowed to verify and request."""
    return verification.auth("civil-affairs", VERIFY, EVIDENCE, operator="op-7")
