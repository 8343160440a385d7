"""Working-day maths: weekends, holidays, 调休, China Standard Time boundaries."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from wuzheng.dispute.settings import DisputeSettings
from wuzheng.dispute.sla.calendar import CST, WorkCalendar
from wuzheng.dispute.sla.clock import FrozenClock
from wuzheng.dispute.sla.holidays import DEFAULT_HOLIDAYS, DEFAULT_MAKEUP_WORKDAYS

PLAIN = WorkCalendar()  # weekends only
# National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October worked.
GOLDEN_WEEK = WorkCalendar.of(DEFAULT_HOLIDAYS, DEFAULT_MAKEUP_WORKDAYS)


def cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


def test_weekdays_work_weekends_do_not() -> None:
    assert [PLAIN.is_working_day(dt.date(2025, 3, d)) for d in range(3, 10)] == [
        True, True, True, True, True, False, False,
    ]  # fmt: skip


def test_one_working_day_inside_a_week_is_24_hours() -> None:
    assert PLAIN.add_working_days(cst(2025, 3, 4, 10, 30), 1) == cst(2025, 3, 5, 10, 30)


def test_friday_afternoon_runs_over_the_weekend_to_monday() -> None:
    assert PLAIN.add_working_days(cst(2025, 3, 7, 17, 0), 1) == cst(2025, 3, 10, 17, 0)
    assert PLAIN.add_working_days(cst(2025, 3, 7, 17, 0), 5) == cst(2025, 3, 14, 17, 0)


def test_filed_at_the_weekend_gets_the_whole_next_working_day() -> None:
    # Saturday 10:00: the clock starts Monday 00:00 and a day of work ends Monday 24:00.
    assert PLAIN.add_working_days(cst(2025, 3, 8, 10, 0), 1) == cst(2025, 3, 11, 0, 0)
    assert PLAIN.add_working_days(cst(2025, 3, 9, 23, 59), 5) == cst(2025, 3, 15, 0, 0)


def test_a_holiday_in_the_span_adds_a_day() -> None:
    calendar = WorkCalendar.of(holidays=[dt.date(2025, 3, 5)])
    assert calendar.add_working_days(cst(2025, 3, 4, 10, 0), 1) == cst(2025, 3, 6, 10, 0)
    assert not calendar.is_working_day(dt.date(2025, 3, 5))


def test_makeup_working_day_on_a_weekend_counts() -> None:
    # 调休: Saturday 11 October 2025 is a working day; Wednesday 8 is not (National Day).
    assert GOLDEN_WEEK.is_working_day(dt.date(2025, 10, 11))
    assert not GOLDEN_WEEK.is_working_day(dt.date(2025, 10, 8))
    assert not GOLDEN_WEEK.is_working_day(dt.date(2025, 10, 12))
    assert GOLDEN_WEEK.add_working_days(cst(2025, 10, 10, 16, 0), 1) == cst(2025, 10, 11, 16, 0)
    assert GOLDEN_WEEK.add_working_days(cst(2025, 10, 11, 16, 0), 1) == cst(2025, 10, 13, 16, 0)


def test_golden_week_filing_before_the_break() -> None:
    # Tuesday 30 Sept 15:00, 5 working days: 9 h of 30 Sept; 9, 10, 11 (调休) and 13 Oct
    # (24 h each); 15 h of 14 Oct — the 8-day break and Sunday 12 do not count.
    due = GOLDEN_WEEK.add_working_days(cst(2025, 9, 30, 15, 0), 5)
    assert due == cst(2025, 10, 14, 15, 0)
    # Sunday 28 September was worked (调休): filed Saturday 27, due at the end of Sunday 28.
    assert GOLDEN_WEEK.add_working_days(cst(2025, 9, 27, 12, 0), 1) == cst(2025, 9, 29, 0, 0)


def test_days_are_counted_in_china_standard_time_not_utc() -> None:
    # Friday 7 March 2025 16:30 UTC is already Saturday 00:30 in Anqiu: a weekend filing.
    friday_utc = dt.datetime(2025, 3, 7, 16, 30, tzinfo=dt.UTC)
    assert PLAIN.local_day(friday_utc) == dt.date(2025, 3, 8)
    assert PLAIN.add_working_days(friday_utc, 1) == cst(2025, 3, 11, 0, 0)
    # … while 15:59 UTC is still Friday 23:59 there: 1 working minute left on Friday.
    almost = dt.datetime(2025, 3, 7, 15, 59, tzinfo=dt.UTC)
    assert PLAIN.add_working_days(almost, 1) == cst(2025, 3, 10, 23, 59)


def test_working_time_between_skips_weekends_and_holidays() -> None:
    assert PLAIN.working_time_between(cst(2025, 3, 7, 12), cst(2025, 3, 10, 12)) == dt.timedelta(
        hours=24
    )
    assert GOLDEN_WEEK.working_time_between(cst(2025, 9, 30, 0), cst(2025, 10, 10, 0)) == (
        dt.timedelta(days=2)  # 30 Sept and 9 Oct
    )
    assert PLAIN.working_time_between(cst(2025, 3, 10), cst(2025, 3, 9)) == dt.timedelta(0)


def test_zero_days_is_now_and_naive_times_are_refused() -> None:
    start = cst(2025, 3, 8, 10, 0)
    assert PLAIN.add_working_days(start, 0) == start
    with pytest.raises(ValueError, match="timezone-aware"):
        PLAIN.add_working_days(dt.datetime(2025, 3, 8, 10, 0), 1)
    with pytest.raises(ValueError, match="negative"):
        PLAIN.add_working_days(start, -1)


def test_a_day_cannot_be_holiday_and_makeup_day() -> None:
    day = dt.date(2025, 3, 8)
    with pytest.raises(ValueError, match="both"):
        WorkCalendar.of([day], [day])
    with pytest.raises(ValidationError, match="both a holiday and a make-up"):
        DisputeSettings(holidays=[day], makeup_workdays=[day])


def test_settings_calendar_defaults_and_validation() -> None:
    settings = DisputeSettings()
    assert dt.date(2025, 10, 1) in settings.holidays
    assert dt.date(2025, 9, 28) in settings.makeup_workdays
    with pytest.raises(ValidationError, match="unknown time zone"):
        DisputeSettings(timezone="Asia/Nowhere")
    with pytest.raises(ValidationError, match="resolve_days cannot be less"):
        DisputeSettings(sla_accept_days=3, sla_resolve_days=2)
    with pytest.raises(ValidationError, match="dev and test only"):
        DisputeSettings(environment="production", holder_key="k" * 32, frozen_time=cst(2025, 1, 1))


def test_frozen_clock_moves_only_forward() -> None:
    clock = FrozenClock(cst(2025, 3, 3, 9))
    assert clock.now() == cst(2025, 3, 3, 9)
    assert clock.advance(hours=25) == cst(2025, 3, 4, 10)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(hours=-1)


instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2025, 12, 31), timezones=st.just(CST)
)


@given(start=instants, days=st.integers(min_value=1, max_value=20))
def test_deadline_is_the_earliest_instant_with_that_much_working_time(
    start: dt.datetime, days: int
) -> None:
    due = GOLDEN_WEEK.add_working_days(start, days)
    assert GOLDEN_WEEK.working_time_between(start, due) == dt.timedelta(days=days)
    just_before = due - dt.timedelta(seconds=1)
    assert GOLDEN_WEEK.working_time_between(start, just_before) < dt.timedelta(days=days)
