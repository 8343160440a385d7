"""``/v1/routes``: in-mesh routes from events, HTTPS routes registered by operators."""

from __future__ import annotations

from typing import Any

from wuzheng.service.testing import RunningService, ServiceHarness
from wuzheng.verification.app import DEFINITION
from wuzheng.verification.testing import (
    ID_CARD,
    PERSON,
    PUBLIC_SECURITY,
    IssuerPeer,
    Mesh,
    serve_http,
)


def body(licence_id: str) -> dict[str, object]:
    return {"licence_id": licence_id, "holder": str(PERSON), "item_seq_no": 5, "purpose": "核验"}


async def test_served_issuers_are_routed_in_the_mesh(
    verification: RunningService, mesh: Mesh
) -> None:
    operator = verification.auth("ops", "routes:manage")
    response = await verification.client.get("/v1/routes", headers=operator)
    assert response.status_code == 200
    [route] = response.json()["routes"]
    assert route["transport"] == "nats"
    assert route["subject"] == f"verify.{PUBLIC_SECURITY}"
    assert route["mesh_served"] is True
    assert route["kids"] == [mesh.peer.key.kid]
    assert route["department_name"] == "安丘市公安局"
    assert route["health"]["state"] == "closed"
    one = await verification.client.get(f"/v1/routes/{PUBLIC_SECURITY}", headers=operator)
    assert one.json() == route
    missing = await verification.client.get("/v1/routes/91110000600037341L", headers=operator)
    assert missing.status_code == 404
    bad = await verification.client.get("/v1/routes/91110000600037341X", headers=operator)
    assert bad.status_code == 422
    forbidden = await verification.client.get(
        "/v1/routes", headers=verification.auth("ops", "verify:request")
    )
    assert forbidden.status_code == 403


async def test_a_registered_url_takes_over_and_can_be_removed(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    external = IssuerPeer(PUBLIC_SECURITY, "public-security")  # the department's own service
    licence = external.issue(ID_CARD, PERSON)
    mesh.peer.licences[licence.licence_id] = licence
    operator = verification.auth("ops", "routes:manage")
    async with serve_http(external.http_app()) as url:
        registered = await verification.client.put(
            f"/v1/routes/{PUBLIC_SECURITY}", json={"url": url + "/"}, headers=operator
        )
        assert registered.status_code == 200, registered.text
        route = registered.json()
        assert route["transport"] == "https"
        assert route["url"] == url
        assert route["kids"] == [external.key.kid]  # fetched at registration
        assert route["registered_by"] == "ops/op-test"

        response = await verification.client.post(
            "/v1/verifications", json=body(licence.licence_id), headers=counter
        )
        assert response.status_code == 200, response.text
        assert response.json()["kid"] == external.key.kid
        assert (external.calls, mesh.peer.calls) == (1, 0)

        external.mode = "problem"
        refused = await verification.client.post(
            "/v1/verifications", json=body(licence.licence_id), headers=counter
        )
        assert refused.status_code == 502
        assert refused.json()["type"].endswith("/issuer-refused")

    # The department's service is gone: unreachable over HTTP is issuer_unavailable.
    down = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    assert down.status_code == 503
    removed = await verification.client.delete(f"/v1/routes/{PUBLIC_SECURITY}", headers=operator)
    assert removed.status_code == 204
    again = await verification.client.delete(f"/v1/routes/{PUBLIC_SECURITY}", headers=operator)
    assert again.status_code == 404
    back = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    assert back.status_code == 200, back.text
    assert back.json()["kid"] == mesh.peer.key.kid


async def test_route_urls_are_checked(verification: RunningService, mesh: Mesh) -> None:
    operator = verification.auth("ops", "routes:manage")
    for bad in (
        {"url": "ftp://example.org"},
        {"url": "https://user:pw@example.org"},
        {"url": "https://example.org/?q=1"},
        {"url": "https://example.org", "timeout_ms": 10},
        {"url": "https://example.org", "extra": True},
    ):
        response = await verification.client.put(
            f"/v1/routes/{PUBLIC_SECURITY}", json=bad, headers=operator
        )
        assert response.status_code == 422, bad


async def test_plain_http_is_refused_outside_dev(
    service_harness: ServiceHarness, settings_overrides: dict[str, Any]
) -> None:
    overrides = {
        **settings_overrides,
        "environment": "production",
        "holder_secret": "a-real-secret-for-this-test",
    }
    async with service_harness.run(DEFINITION, **overrides) as service:
        operator = service.auth("ops", "routes:manage")
        plain = await service.client.put(
            f"/v1/routes/{PUBLIC_SECURITY}", json={"url": "http://127.0.0.1:9"}, headers=operator
        )
        assert plain.status_code == 422
        assert "https" in plain.json()["detail"]
        secure = await service.client.put(
            f"/v1/routes/{PUBLIC_SECURITY}", json={"url": "https://127.0.0.1:9"}, headers=operator
        )
        assert secure.status_code == 200
        assert secure.json()["kids"] == []  # not reachable: fetched on first use
