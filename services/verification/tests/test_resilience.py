"""Per-issuer timeout, bounded retries, the circuit breaker and route health."""

from __future__ import annotations

import time

import pytest

from wuzheng.service.testing import RunningService
from wuzheng.verification.core import Core
from wuzheng.verification.testing import ID_CARD, PERSON, PUBLIC_SECURITY, ManualClock, Mesh


def body(licence_id: str) -> dict[str, object]:
    return {"licence_id": licence_id, "holder": str(PERSON), "item_seq_no": 5, "purpose": "核验"}


async def route_health(service: RunningService) -> dict[str, object]:
    response = await service.client.get("/v1/routes", headers=service.auth("ops", "routes:manage"))
    assert response.status_code == 200, response.text
    [route] = [r for r in response.json()["routes"] if r["issuer_code"] == PUBLIC_SECURITY]
    health: dict[str, object] = route["health"]
    return health


async def circuit_gauge(service: RunningService) -> float | None:
    """This replica's ``wuzheng_verification_circuit_open`` for the issuer (None: never set)."""
    wanted = f'wuzheng_verification_circuit_open{{issuer="{PUBLIC_SECURITY}"}} '
    for line in (await service.client.get("/metrics")).text.splitlines():
        if line.startswith(wanted):
            return float(line.rsplit(" ", 1)[1])
    return None


async def test_unreachable_issuer_is_503_then_the_circuit_opens_and_recovers(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    # The spells run on a clock this test moves: on a loaded machine the requests in
    # between could otherwise outlast the 0.5 s spell and turn the fail-fast into a trial.
    clock = ManualClock()
    core = verification.app.state.verification
    assert isinstance(core, Core)
    core.breakers.clock = clock
    licence = mesh.peer.issue(ID_CARD, PERSON)
    ok = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    assert ok.status_code == 200
    await mesh.peer.detach()  # nobody answers on verify.<issuer> any more

    for _ in range(3):  # breaker_failures = 3
        failed = await verification.client.post(
            "/v1/verifications", json=body(licence.licence_id), headers=counter
        )
        assert failed.status_code == 503
        problem = failed.json()
        assert problem["type"].endswith("/issuer_unavailable")
        assert problem["issuer_code"] == PUBLIC_SECURITY
        assert "Retry-After" not in failed.headers  # asked and failed: no trial to wait for
    health = await route_health(verification)
    assert health["state"] == "open"
    assert health["consecutive_failures"] == 3
    assert health["last_success_at"] is not None
    assert health["open_for_seconds"] == 0.5  # breaker_open_seconds caps the first spell
    assert health["retry_after_seconds"] == 0.5
    assert await circuit_gauge(verification) == 1.0  # what the dashboard and alert read

    clock.now += 0.2
    fast = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    assert fast.status_code == 503
    assert fast.json()["circuit"] == "open"
    assert fast.json()["retry_after_seconds"] == pytest.approx(0.3)
    assert fast.headers["Retry-After"] == "1"  # whole seconds, at least one
    # Failed fast: the issuer was not asked, so no failure was added and the spell stands.
    health = await route_health(verification)
    assert (health["consecutive_failures"], health["open_for_seconds"]) == (3, 0.5)

    await mesh.peer.attach(
        verification.runtime.nats, verification.runtime.subject(f"verify.{PUBLIC_SECURITY}")
    )
    clock.now += 0.3  # the spell is over: the next request is the trial
    recovered = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    assert recovered.status_code == 200, recovered.text
    health = await route_health(verification)
    assert health["state"] == "closed"
    assert health["consecutive_failures"] == 0
    assert (health["open_for_seconds"], health["retry_after_seconds"]) == (0, 0)
    assert await circuit_gauge(verification) == 0.0


async def test_a_slow_issuer_times_out_after_bounded_retries(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    mesh.peer.delay = 1.5
    started = time.monotonic()
    response = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "did not answer" in response.json()["detail"]
    assert mesh.peer.calls == 2  # one try and issuer_retries = 1 retry
    assert 1.0 <= elapsed < 2.5  # 2 × issuer_timeout 0.5 s, not 2 × the 1.5 s delay


async def test_a_per_issuer_timeout_overrides_the_default(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    operator = verification.auth("ops", "routes:manage")
    patched = await verification.client.patch(
        f"/v1/routes/{PUBLIC_SECURITY}", json={"timeout_ms": 2000}, headers=operator
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["effective_timeout_ms"] == 2000
    licence = mesh.peer.issue(ID_CARD, PERSON)
    mesh.peer.delay = 0.8  # beyond the default 0.5 s, within this issuer's 2 s
    response = await verification.client.post(
        "/v1/verifications", json=body(licence.licence_id), headers=counter
    )
    assert response.status_code == 200, response.text
    assert mesh.peer.calls == 1
