"""Per-caller token buckets for resolving codes, in memory in each process.

Two buckets per caller (the token's department, subject and operator claim; never a value
from the request body):

- every attempt takes a token from the *attempt* bucket (``RESCODE_RESOLVE_RATE_PER_SECOND``,
  burst ``RESCODE_RESOLVE_BURST``): a runaway counter system cannot flood the service;
- every *refused* attempt (invalid, expired or used code) takes one from the *failure*
  bucket (``RESCODE_RESOLVE_FAILURES_PER_MINUTE``, burst ``RESCODE_RESOLVE_FAILURE_BURST``);
  while it is empty the caller's attempts are refused with 429 before any look-up.

Guessing digit codes only produces refusals, so the failure bucket bounds it: at the
default 12 per minute a caller gets at most 17,280 guesses a day (see the README for what
that means against 17 random digits). The buckets live in the process: with ``k`` replicas
behind a round-robin balancer the bound is ``k`` times as high — still far below what the
digit space allows — and a restart refills them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from wuzheng.rescode.errors import RateLimited

__all__ = ["ResolveLimiter", "TokenBucket"]

_MAX_CALLERS = 10_000


@dataclass
class TokenBucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_for_one(self) -> float:
        """Seconds until a token is there (0 when one is)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class ResolveLimiter:
    """The attempt and failure buckets of every caller seen recently."""

    def __init__(
        self,
        *,
        rate_per_second: float,
        burst: int,
        failures_per_minute: float,
        failure_burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self.failure_rate = failures_per_minute / 60.0
        self.failure_burst = failure_burst
        self.clock = clock
        self._buckets: dict[str, tuple[TokenBucket, TokenBucket]] = {}

    def _pair(self, caller: str) -> tuple[TokenBucket, TokenBucket]:
        now = self.clock()
        pair = self._buckets.get(caller)
        if pair is None:
            if len(self._buckets) >= _MAX_CALLERS:
                self._forget_idle(now)
            pair = (
                TokenBucket(self.burst, self.rate, self.burst, now),
                TokenBucket(self.failure_burst, self.failure_rate, self.failure_burst, now),
            )
            self._buckets[caller] = pair
        for bucket in pair:
            bucket.refill(now)
        return pair

    def _forget_idle(self, now: float) -> None:
        """Drop callers whose buckets are full again: forgetting them changes nothing."""
        for caller, (attempts, failures) in list(self._buckets.items()):
            attempts.refill(now)
            failures.refill(now)
            if attempts.tokens >= attempts.capacity and failures.tokens >= failures.capacity:
                del self._buckets[caller]

    def attempt(self, caller: str) -> None:
        """Take an attempt token, or raise :class:`RateLimited` (429)."""
        attempts, failures = self._pair(caller)
        if failures.tokens < 1:
            raise RateLimited(
                "too many refused codes from this caller: resolving is paused",
                failures.wait_for_one(),
            )
        if attempts.tokens < 1:
            raise RateLimited("too many resolve attempts from this caller", attempts.wait_for_one())
        attempts.tokens -= 1

    def failed(self, caller: str) -> None:
        """Count a refused attempt against the caller."""
        _, failures = self._pair(caller)
        failures.tokens = max(0.0, failures.tokens - 1)
