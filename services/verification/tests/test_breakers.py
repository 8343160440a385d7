"""The circuit breaker's timing, on a clock the test moves: a short first spell open, each
failed trial doubling it up to the cap, a success starting over."""

from __future__ import annotations

import pytest

from wuzheng.verification.routes.health import Breakers, CircuitState
from wuzheng.verification.testing import ManualClock

ISSUER = "11370784004412345X"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def breakers(clock: ManualClock) -> Breakers:
    return Breakers(failures=2, open_seconds=10, first_open_seconds=1, clock=clock)


def open_circuit(breakers: Breakers) -> None:
    for _ in range(breakers.failures):
        assert breakers.allow(ISSUER)
        breakers.failure(ISSUER, "no responders")
    assert breakers.health(ISSUER).state is CircuitState.OPEN


def test_each_failed_trial_doubles_the_spell_up_to_open_seconds(
    breakers: Breakers, clock: ManualClock
) -> None:
    breakers.failure(ISSUER, "no responders")
    assert breakers.health(ISSUER).state is CircuitState.CLOSED  # 1 of 2 failures
    breakers.failure(ISSUER, "no responders")
    assert breakers.retry_after(ISSUER) == pytest.approx(1.0)
    assert not breakers.allow(ISSUER)

    spells = []
    for _ in range(6):
        clock.now += 0.99 * breakers.retry_after(ISSUER)
        assert not breakers.allow(ISSUER)  # not yet
        clock.now += breakers.retry_after(ISSUER)
        assert breakers.allow(ISSUER)  # the trial
        assert not breakers.allow(ISSUER)  # and only one
        breakers.failure(ISSUER, "still down")
        spells.append(breakers.health(ISSUER).open_for)
        assert breakers.retry_after(ISSUER) == pytest.approx(spells[-1])
    assert spells == [2, 4, 8, 10, 10, 10]


def test_a_successful_trial_closes_and_the_next_opening_is_short_again(
    breakers: Breakers, clock: ManualClock
) -> None:
    open_circuit(breakers)
    clock.now += 1
    assert breakers.allow(ISSUER)
    breakers.failure(ISSUER, "still down")
    clock.now += 2
    assert breakers.allow(ISSUER)
    breakers.success(ISSUER)
    health = breakers.health(ISSUER)
    assert (health.state, health.open_for, breakers.retry_after(ISSUER)) == (
        CircuitState.CLOSED,
        0.0,
        0.0,
    )
    open_circuit(breakers)
    assert breakers.health(ISSUER).open_for == 1


def test_a_late_failure_while_open_restarts_the_spell_without_doubling_it(
    breakers: Breakers, clock: ManualClock
) -> None:
    open_circuit(breakers)
    clock.now += 0.5
    breakers.failure(ISSUER, "timed out")  # a request sent before the circuit opened
    assert breakers.health(ISSUER).open_for == 1
    assert breakers.retry_after(ISSUER) == pytest.approx(1.0)


def test_the_first_spell_defaults_to_and_never_exceeds_open_seconds() -> None:
    assert Breakers(failures=1, open_seconds=0.5).first_open_seconds == 0.5
    assert Breakers(failures=1, open_seconds=0.5, first_open_seconds=3).first_open_seconds == 0.5
    assert Breakers(failures=1, open_seconds=10, first_open_seconds=1).first_open_seconds == 1
