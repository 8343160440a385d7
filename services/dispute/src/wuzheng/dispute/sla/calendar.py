"""Working days in China Standard Time: weekends off, public holidays off, 调休 on.

A deadline of *n* working days is the **earliest instant at which n × 24 hours of working
time have passed** since the start, where working time is time falling on a working day (a
whole calendar day, 00:00–24:00 local). So a dispute filed on Friday 17:00 must be accepted
by Monday 17:00; one filed on Saturday (or on a holiday) gets all of the next working day
and is due at 24:00 of it; a holiday in the middle of the span adds a day. Local midnight
is taken in the calendar's zone (``Asia/Shanghai``: UTC+8 all year, no DST).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

__all__ = ["CST", "WorkCalendar"]

CST = ZoneInfo("Asia/Shanghai")
_DAY = dt.timedelta(days=1)
_SEARCH_LIMIT_DAYS = 3660  # no calendar has ten years without a working day


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date] = frozenset()
    makeup_workdays: frozenset[dt.date] = frozenset()
    zone: dt.tzinfo = field(default=CST)

    def __post_init__(self) -> None:
        if both := self.holidays & self.makeup_workdays:
            raise ValueError(f"both holiday and make-up working day: {sorted(both)}")

    @classmethod
    def of(
        cls,
        holidays: Iterable[dt.date] = (),
        makeup_workdays: Iterable[dt.date] = (),
        zone: dt.tzinfo = CST,
    ) -> WorkCalendar:
        return cls(frozenset(holidays), frozenset(makeup_workdays), zone)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def local_day(self, instant: dt.datetime) -> dt.date:
        """The calendar date of ``instant`` in the calendar's zone."""
        return _aware(instant).astimezone(self.zone).date()

    def midnight(self, day: dt.date) -> dt.datetime:
        """00:00 local on ``day``, as a UTC instant."""
        return dt.datetime.combine(day, dt.time(0), self.zone).astimezone(dt.UTC)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        for offset in range(1, _SEARCH_LIMIT_DAYS):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_SEARCH_LIMIT_DAYS} days after {day}")

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The earliest instant by which ``days`` × 24 h of working time have passed."""
        if days < 0:
            raise ValueError("days must not be negative")
        start = _aware(start).astimezone(dt.UTC)
        remaining = dt.timedelta(days=days)
        if not remaining:
            return start
        day = self.local_day(start)
        if self.is_working_day(day):
            available = self.midnight(day + _DAY) - start
            if remaining <= available:
                return start + remaining
            remaining -= available
        for _ in range(_SEARCH_LIMIT_DAYS):
            day = self.next_working_day(day)
            if remaining <= _DAY:
                return self.midnight(day) + remaining
            remaining -= _DAY
        raise ValueError(f"deadline more than {_SEARCH_LIMIT_DAYS} working days away")

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """How much of [start, end) falls on working days (zero when end ≤ start)."""
        start, end = _aware(start).astimezone(dt.UTC), _aware(end).astimezone(dt.UTC)
        if end <= start:
            return dt.timedelta(0)
        total = dt.timedelta(0)
        day = self.local_day(start)
        while True:
            day_start, day_end = self.midnight(day), self.midnight(day + _DAY)
            if day_start >= end:
                return total
            if self.is_working_day(day):
                total += min(end, day_end) - max(start, day_start)
            day += _DAY

    def working_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Every working day from ``first`` to ``last`` inclusive."""
        span = (last - first).days
        return [
            first + dt.timedelta(days=n)
            for n in range(span + 1)
            if self.is_working_day(first + dt.timedelta(days=n))
        ]


def _aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None:
        raise ValueError("working-day maths needs timezone-aware instants")
    return instant
