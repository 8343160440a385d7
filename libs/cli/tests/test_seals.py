"""`wuzheng seals rotate` against the real issuance service, served over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from wuzheng.cli._seals import RotationFailed, rotate_seal
from wuzheng.issuance.app import DEFINITION as ISSUANCE
from wuzheng.issuance.testing import DEPARTMENTS, catalog_events, publish
from wuzheng.messaging.testing import wait_until
from wuzheng.service.testing import ServiceHarness

DEPARTMENT = "market-regulation"
ISSUER = DEPARTMENTS[DEPARTMENT][1]


async def test_rotate_through_the_issuance_service(
    service_harness: ServiceHarness, invoke: Callable[..., Any], serve_app: Any
) -> None:
    async with service_harness.run(ISSUANCE) as issuance:
        await publish(issuance.runtime.nats, issuance.runtime.topology, catalog_events())
        token = issuance.token(DEPARTMENT, "licences:manage")
        first: dict[str, Any] = {}

        async def first_key() -> bool:  # once the catalog events reached the read model
            try:
                first.update(await rotate_seal(issuance.client, ISSUER, token))
            except RotationFailed as error:
                if error.status != 404:
                    raise
                return False
            return True

        await wait_until(first_key, timeout=20, message="issuer known to issuance")
        assert first["active_kid"]

        async with serve_app(issuance.app, lifespan=False) as served:
            common = [
                "--issuer",
                ISSUER,
                "--url",
                served.url,
                "--var-dir",
                str(service_harness.var_dir),
            ]
            dev = {"WUZHENG_ENV": "dev", "WUZHENG_TOKEN": "", "COLUMNS": "200"}

            rotated = await invoke(["seals", "rotate", *common], env=dev)
            assert rotated.exit_code == 0, rotated.output
            jwks = json.loads(rotated.stdout)
            kids = [key["kid"] for key in jwks["keys"]]
            assert len(kids) == 2  # the new active key first, the retired one kept
            assert kids[1] == first["active_kid"]
            assert f"new active key {kids[0]}" in rotated.stderr

            gm = await invoke(["seals", "rotate", *common, "--suite", "sm2-sm3"], env=dev)
            assert gm.exit_code == 0, gm.output
            assert "suite sm2-sm3" in gm.stderr
            assert json.loads(gm.stdout)["keys"][0]["crv"] == "SM2"

            other = issuance.token("public-security", "licences:manage")
            refused = await invoke(["seals", "rotate", *common, "--token", other], env=dev)
            assert refused.exit_code == 1
            assert "rotation refused (403)" in refused.output

            production = await invoke(
                ["seals", "rotate", *common], env={"WUZHENG_ENV": "production", "WUZHENG_TOKEN": ""}
            )
            assert production.exit_code == 2
            assert "pass --token" in production.output

            bad_suite = await invoke(["seals", "rotate", *common, "--suite", "rsa"], env=dev)
            assert bad_suite.exit_code == 2

        async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as nowhere:
            try:
                await rotate_seal(nowhere, ISSUER, token)
            except httpx.ConnectError:
                pass
            else:
                raise AssertionError("a closed port answered")


async def test_an_unreachable_issuance_service_is_reported(
    invoke: Callable[..., Any], closed_port_url: str
) -> None:
    result = await invoke(
        ["seals", "rotate", "--issuer", ISSUER, "--url", closed_port_url, "--token", "t"]
    )
    assert result.exit_code == 1
    assert "cannot reach the issuance service" in result.output
