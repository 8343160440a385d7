"""Per-department figures and the periodic processing report (异议数据处理报告)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.dispute.context import DisputeContext
from wuzheng.dispute.disputes.schemas import State
from wuzheng.dispute.models import Dispute
from wuzheng.dispute.reports import repository
from wuzheng.dispute.reports.schemas import (
    CorrectionFigures,
    DayCount,
    DepartmentFigures,
    DepartmentReport,
    FieldCount,
    ProcessingReport,
)

REPORT_TITLE = "异议数据处理报告"
MAX_PERIOD_DAYS = 366


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _figures(
    department: str,
    name: str | None,
    counts: dict[str, int],
    medians: dict[str, float | None],
) -> DepartmentFigures:
    ended = counts["decided"] + counts["withdrawn"]
    return DepartmentFigures(
        department=department,
        name=name,
        received=counts["received"],
        accepted=counts["accepted"],
        accepted_on_time=counts["accepted_on_time"],
        accepted_on_time_rate=_rate(counts["accepted_on_time"], counts["accepted"]),
        decided=counts["decided"],
        resolved=counts["resolved"],
        rejected=counts["rejected"],
        withdrawn=counts["withdrawn"],
        resolved_on_time=counts["resolved_on_time"],
        resolved_on_time_rate=_rate(counts["resolved_on_time"], counts["decided"]),
        open=counts["open"],
        overdue_now=counts["overdue_now"],
        median_hours_to_accept=_hours(medians["accept"]),
        median_working_hours_to_accept=_hours(medians["accept_working"]),
        median_hours_to_resolve=_hours(medians["decide"]),
        median_working_hours_to_resolve=_hours(medians["decide_working"]),
        rejection_rate=_rate(counts["rejected"], counts["decided"]),
        correction_share=_rate(counts["with_correction"], ended),
        corrections_pending=counts["corrections_pending"],
        corrections_propagated=counts["corrections_propagated"],
    )


async def _department_figures(
    session: AsyncSession,
    context: DisputeContext,
    filed_from: dt.date | None,
    filed_to: dt.date | None,
) -> tuple[DepartmentFigures, list[DepartmentFigures]]:
    now = context.clock.now()
    filters = repository.period_filters(filed_from, filed_to)
    counts = await repository.department_counts(session, filters, now)
    by_department, overall = await repository.medians(session, filters)
    per_department: dict[str, dict[str, float | None]] = {
        code: {key: by_department.get(code, {}).get(key) for key in repository.DURATIONS}
        for code in counts
    }
    names = await repository.department_names(session)
    departments = [
        _figures(code, names.get(code), counts[code], per_department[code])
        for code in sorted(counts, key=lambda code: (-counts[code]["received"], code))
    ]
    totals = {name: sum(counts[code][name] for code in counts) for name in repository.COUNTERS}
    return _figures("*", None, totals, overall), departments


async def department_report(
    session: AsyncSession,
    context: DisputeContext,
    filed_from: dt.date | None = None,
    filed_to: dt.date | None = None,
) -> DepartmentReport:
    totals, departments = await _department_figures(session, context, filed_from, filed_to)
    return DepartmentReport(
        generated_at=context.clock.now(),
        filed_from=filed_from,
        filed_to=filed_to,
        timezone=context.settings.timezone,
        totals=totals,
        departments=departments,
    )


def default_period(context: DisputeContext) -> tuple[dt.date, dt.date]:
    """The 30 days ending today (local)."""
    today = context.calendar.local_day(context.clock.now())
    return today - dt.timedelta(days=29), today


async def processing_report(
    session: AsyncSession, context: DisputeContext, first: dt.date, last: dt.date
) -> ProcessingReport:
    filters = repository.period_filters(first, last)
    totals, departments = await _department_figures(session, context, first, last)
    received = await repository.per_day(session, Dispute.filed_day, first, last)
    closed = await repository.per_day(session, Dispute.closed_day, first, last)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    calendar = context.calendar
    escalations = await repository.escalations_between(
        session, calendar.midnight(first), calendar.midnight(last + dt.timedelta(days=1))
    )
    by_state = await repository.grouped(session, Dispute.state, filters)
    told, late = await repository.propagation_counts(session, filters)
    correction_states = await repository.grouped(session, Dispute.correction_status, filters)
    top = await repository.top_fields(session, filters, limit=10)
    return ProcessingReport(
        title=REPORT_TITLE,
        generated_at=context.clock.now(),
        period_from=first,
        period_to=last,
        timezone=context.settings.timezone,
        received=totals.received,
        closed_in_period=sum(closed.values()),
        escalations_in_period=escalations,
        by_state={state.value: by_state.get(state.value, 0) for state in State},
        by_channel=await repository.grouped(session, Dispute.channel, filters),
        by_kind=await repository.grouped(session, Dispute.kind, filters),
        daily=[
            DayCount(day=day, received=received.get(day, 0), closed=closed.get(day, 0))
            for day in days
        ],
        totals=totals,
        departments=departments,
        top_fields=[FieldCount.model_validate(row) for row in top],
        corrections=CorrectionFigures(
            licence_corrections=sum(
                correction_states.get(key, 0) for key in ("pending", "amended", "propagated")
            ),
            pending=correction_states.get("pending", 0),
            amended=correction_states.get("amended", 0),
            propagated=correction_states.get("propagated", 0),
            departments_told=told,
            late_notifications=late,
        ),
    )
