"""Route health and the circuit breaker, per issuer and per replica (kept in memory).

Closed: requests go through; ``failures`` consecutive failures open the circuit. Open:
requests fail fast (``issuer_unavailable``) for ``first_open_seconds``; then one trial request
is let through (half-open): its success closes the circuit, its failure opens it again for
twice as long, up to ``open_seconds``. An issuer back after a restart of a few seconds is
tried again within about as long as it was away, while one that stays down costs one
trial per ``open_seconds``.

Each replica decides for itself, as client-side breakers do: a replica whose own calls
succeed has no reason to stop because another's failed (a network path, not the issuer,
may be at fault). What operators see across replicas is the gauge
``wuzheng_verification_circuit_open{issuer}``, set on every transition: summed by issuer in
Prometheus it says how many replicas have given up on an issuer (alert
``WuzhengIssuerCircuitOpen``); ``GET /v1/routes`` shows the answering replica's detail.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from wuzheng.db import utcnow
from wuzheng.service.metrics import VERIFICATION_CIRCUIT_OPEN, domain_gauge

CIRCUIT_OPEN = domain_gauge(VERIFICATION_CIRCUIT_OPEN)


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class RouteHealth:
    issuer_code: str
    state: CircuitState = CircuitState.CLOSED
    consecutive_failures: int = 0
    successes: int = 0
    failures: int = 0
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_error: str | None = None
    opened_at: datetime | None = None
    open_for: float = 0.0  # seconds the circuit stays open this time (0 when closed)
    invalid_answers: int = 0
    _opened_monotonic: float = 0.0
    _trial_in_flight: bool = False


class Breakers:
    def __init__(
        self,
        failures: int,
        open_seconds: float,
        first_open_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.open_seconds = open_seconds
        self.first_open_seconds = min(first_open_seconds or open_seconds, open_seconds)
        self.clock = clock  # what time it is for the spells (a test may move it)
        self._health: dict[str, RouteHealth] = {}

    def retry_after(self, issuer_code: str) -> float:
        """Seconds until the issuer's open circuit lets a trial through (0 unless open)."""
        health = self.health(issuer_code)
        if health.state is not CircuitState.OPEN:
            return 0.0
        return max(0.0, health._opened_monotonic + health.open_for - self.clock())

    def health(self, issuer_code: str) -> RouteHealth:
        health = self._health.get(issuer_code)
        if health is None:
            health = self._health[issuer_code] = RouteHealth(issuer_code)
        return health

    def known(self) -> dict[str, RouteHealth]:
        return dict(self._health)

    def allow(self, issuer_code: str) -> bool:
        """Whether a request may go to the issuer now (claims the trial when half-open)."""
        health = self.health(issuer_code)
        if health.state is CircuitState.CLOSED:
            return True
        if health.state is CircuitState.OPEN:
            if self.retry_after(issuer_code) > 0:
                return False
            health.state = CircuitState.HALF_OPEN
            health._trial_in_flight = False
        if health._trial_in_flight:
            return False
        health._trial_in_flight = True
        return True

    def release(self, issuer_code: str) -> None:
        """The trial ended without a verdict (cancelled): let another one through."""
        self.health(issuer_code)._trial_in_flight = False

    def success(self, issuer_code: str) -> None:
        health = self.health(issuer_code)
        health.successes += 1
        health.consecutive_failures = 0
        health.last_success_at = utcnow()
        if health.state is not CircuitState.CLOSED:
            CIRCUIT_OPEN.labels(issuer=issuer_code).set(0)
        health.state = CircuitState.CLOSED
        health.opened_at = None
        health.open_for = 0.0
        health._trial_in_flight = False

    def invalid_answer(self, issuer_code: str, error: str) -> None:
        """The issuer answered, but the answer did not verify: noted, circuit unchanged (the
        issuer is reachable; its answers are refused one by one)."""
        health = self.health(issuer_code)
        health.invalid_answers += 1
        health.last_failure_at = utcnow()
        health.last_error = f"invalid answer: {error}"[:300]

    def failure(self, issuer_code: str, error: str) -> None:
        health = self.health(issuer_code)
        health.failures += 1
        health.consecutive_failures += 1
        health.last_failure_at = utcnow()
        health.last_error = error[:300]
        health._trial_in_flight = False
        if health.state is CircuitState.CLOSED:
            if health.consecutive_failures < self.failures:
                return
            health.open_for = self.first_open_seconds
        elif health.state is CircuitState.HALF_OPEN:  # the trial failed: twice as long
            health.open_for = min(health.open_for * 2, self.open_seconds)
        # Open (again), or a request sent before it opened failed late: from now.
        health.state = CircuitState.OPEN
        health.opened_at = health.last_failure_at
        health._opened_monotonic = self.clock()
        CIRCUIT_OPEN.labels(issuer=issuer_code).set(1)
