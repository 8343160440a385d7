"""Per-caller token buckets for resolving codes."""

from __future__ import annotations

import pytest

from wuzheng.rescode.errors import RateLimited
from wuzheng.rescode.ratelimit import ResolveLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock) -> ResolveLimiter:
    return ResolveLimiter(
        rate_per_second=2, burst=4, failures_per_minute=6, failure_burst=2, clock=clock
    )


def test_attempts_burst_then_refill_at_the_rate() -> None:
    clock = Clock()
    limits = limiter(clock)
    for _ in range(4):
        limits.attempt("a")
    with pytest.raises(RateLimited) as refused:
        limits.attempt("a")
    assert refused.value.headers == {"Retry-After": "1"}
    limits.attempt("b")  # callers are apart
    clock.now += 0.5
    limits.attempt("a")
    with pytest.raises(RateLimited):
        limits.attempt("a")


def test_refusals_pause_a_caller_until_the_failure_bucket_refills() -> None:
    clock = Clock()
    limits = limiter(clock)
    for _ in range(2):
        limits.attempt("a")
        limits.failed("a")
    with pytest.raises(RateLimited, match="refused codes") as paused:
        limits.attempt("a")
    assert paused.value.extensions["retry_after"] == 10  # 6 per minute
    clock.now += 10
    limits.attempt("a")


def test_idle_callers_are_forgotten_when_the_table_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("wuzheng.rescode.ratelimit._MAX_CALLERS", 3)
    clock = Clock()
    limits = limiter(clock)
    for caller in "abc":
        limits.attempt(caller)
    limits.failed("c")
    clock.now += 5  # a and b refill completely; c's failure bucket does not
    limits.attempt("d")
    assert set(limits._buckets) == {"c", "d"}
