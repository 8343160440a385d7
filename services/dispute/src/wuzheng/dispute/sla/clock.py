"""The service clock: every deadline, transition and report asks it for "now".

Production uses :class:`SystemClock`; tests (and ``DISPUTE_FROZEN_TIME``) use a
:class:`FrozenClock` they move by hand, so SLA behaviour is tested without sleeping.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

__all__ = ["Clock", "FrozenClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, at: dt.datetime) -> None:
        self._at = _aware(at)

    def now(self) -> dt.datetime:
        return self._at

    def set(self, at: dt.datetime) -> None:
        self._at = _aware(at)

    def advance(self, delta: dt.timedelta | None = None, **units: float) -> dt.datetime:
        """Move forward by ``delta`` or by keyword units (``hours=3``); returns the new now."""
        step = delta if delta is not None else dt.timedelta(**units)
        if step < dt.timedelta(0):
            raise ValueError("a clock does not go backwards")
        self._at += step
        return self._at


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError("give the clock a timezone-aware instant")
    return at.astimezone(dt.UTC)
