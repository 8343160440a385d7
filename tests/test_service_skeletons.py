"""Every service stands on the kit: migrations, probes, metrics, OpenAPI, problem errors."""

import subprocess
import sys

import pytest

from wuzheng.catalog.app import DEFINITION as CATALOG
from wuzheng.dispute.app import DEFINITION as DISPUTE
from wuzheng.issuance.app import DEFINITION as ISSUANCE
from wuzheng.rescode.app import DEFINITION as RESCODE
from wuzheng.service import ServiceDefinition
from wuzheng.service.testing import ServiceHarness
from wuzheng.verification.app import DEFINITION as VERIFICATION

SERVICES = [CATALOG, ISSUANCE, VERIFICATION, RESCODE, DISPUTE]


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
async def test_service_starts_on_its_own_database_and_nats(
    definition: ServiceDefinition, service_harness: ServiceHarness
) -> None:
    async with service_harness.run(definition) as service:
        client = service.client
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["service"] == definition.name

        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text

        metrics = (await client.get("/metrics")).text
        assert f'wuzheng_outbox_backlog{{service="{definition.name}",status="pending"}}' in metrics
        assert "wuzheng_http_requests_total" in metrics

        openapi = (await client.get("/openapi.json")).json()
        assert openapi["info"]["title"] == definition.title

        missing = await client.get("/no/such/path")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
async def test_readiness_fails_when_nats_is_gone(
    definition: ServiceDefinition, service_harness: ServiceHarness
) -> None:
    async with service_harness.run(definition) as service:
        await service.runtime.nats.nc.close()
        ready = await service.client.get("/readyz")
        assert ready.status_code == 503
        assert ready.headers["content-type"] == "application/problem+json"
        assert "nats" in ready.text


@pytest.mark.parametrize("definition", SERVICES, ids=lambda d: d.name)
def test_service_command_line_explains_itself(definition: ServiceDefinition) -> None:
    result = subprocess.run(
        [sys.executable, "-m", definition.package, "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "serve" in result.stdout
    assert "migrate" in result.stdout
