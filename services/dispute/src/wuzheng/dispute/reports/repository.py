"""The report queries: aggregates in SQL (GROUP BY, portable to SQLite and PostgreSQL);
medians from one ordered scan of the duration columns."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.dispute.disputes.repository import overdue_condition
from wuzheng.dispute.disputes.schemas import OPEN_STATES, State
from wuzheng.dispute.models import (
    CatalogDepartment,
    CatalogItem,
    CatalogLicenceType,
    Dispute,
    Propagation,
)

Filters = Sequence[sa.ColumnElement[bool]]


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def period_filters(
    filed_from: dt.date | None, filed_to: dt.date | None
) -> list[sa.ColumnElement[bool]]:
    filters = []
    if filed_from is not None:
        filters.append(Dispute.filed_day >= filed_from)
    if filed_to is not None:
        filters.append(Dispute.filed_day <= filed_to)
    return filters


COUNTERS = (
    "received",
    "accepted",
    "accepted_on_time",
    "decided",
    "resolved",
    "rejected",
    "withdrawn",
    "resolved_on_time",
    "open",
    "overdue_now",
    "with_correction",
    "corrections_pending",
    "corrections_propagated",
)


async def department_counts(
    session: AsyncSession, filters: Filters, now: dt.datetime
) -> dict[str, dict[str, int]]:
    decided = Dispute.state.in_([State.RESOLVED.value, State.REJECTED.value])
    columns = [
        sa.func.count().label("received"),
        _count(Dispute.accepted_at.is_not(None)).label("accepted"),
        _count(Dispute.accepted_on_time.is_(True)).label("accepted_on_time"),
        _count(decided).label("decided"),
        _count(Dispute.state == State.RESOLVED.value).label("resolved"),
        _count(Dispute.state == State.REJECTED.value).label("rejected"),
        _count(Dispute.state == State.WITHDRAWN.value).label("withdrawn"),
        _count(sa.and_(decided, Dispute.decided_on_time.is_(True))).label("resolved_on_time"),
        _count(Dispute.state.in_(sorted(OPEN_STATES))).label("open"),
        _count(overdue_condition(now)).label("overdue_now"),
        _count(
            sa.and_(Dispute.state == State.RESOLVED.value, Dispute.corrections.is_not(None))
        ).label("with_correction"),
        _count(Dispute.correction_status.in_(["pending", "amended"])).label("corrections_pending"),
        _count(Dispute.correction_status == "propagated").label("corrections_propagated"),
    ]
    rows = await session.execute(
        sa.select(Dispute.department, *columns).where(*filters).group_by(Dispute.department)
    )
    return {
        row.department: {name: int(getattr(row, name) or 0) for name in COUNTERS} for row in rows
    }


DURATIONS = {
    "accept": Dispute.accept_seconds,
    "accept_working": Dispute.accept_working_seconds,
    "decide": Dispute.decide_seconds,
    "decide_working": Dispute.decide_working_seconds,
}


async def medians(
    session: AsyncSession, filters: Filters
) -> tuple[dict[str, dict[str, float]], dict[str, float | None]]:
    """The median of every duration column, per department and overall, from one scan of
    the rows that have any (missing values ignored)."""
    rows = await session.execute(
        sa.select(Dispute.department, *DURATIONS.values()).where(
            *filters,
            sa.or_(Dispute.accept_seconds.is_not(None), Dispute.decide_seconds.is_not(None)),
        )
    )
    per: dict[str, dict[str, list[float]]] = {}
    everything: dict[str, list[float]] = {key: [] for key in DURATIONS}
    for department, *values in rows:
        lists = per.setdefault(department, {key: [] for key in DURATIONS})
        for key, value in zip(DURATIONS, values, strict=True):
            if value is not None:
                lists[key].append(value)
                everything[key].append(value)
    return (
        {
            department: {key: statistics.median(v) for key, v in lists.items() if v}
            for department, lists in per.items()
        },
        {key: statistics.median(v) if v else None for key, v in everything.items()},
    )


async def department_names(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(sa.select(CatalogDepartment.code, CatalogDepartment.name))
    return dict(rows.all())


async def grouped(
    session: AsyncSession, column: sa.orm.InstrumentedAttribute[Any], filters: Filters
) -> dict[str, int]:
    rows = await session.execute(
        sa.select(column, sa.func.count()).where(*filters).group_by(column)
    )
    return {str(key): int(count) for key, count in rows}


async def per_day(
    session: AsyncSession, column: sa.orm.InstrumentedAttribute[Any], first: dt.date, last: dt.date
) -> dict[dt.date, int]:
    rows = await session.execute(
        sa.select(column, sa.func.count()).where(column >= first, column <= last).group_by(column)
    )
    return {day: int(count) for day, count in rows}


async def escalations_between(session: AsyncSession, start: dt.datetime, end: dt.datetime) -> int:
    accept = await session.scalar(
        sa.select(sa.func.count()).where(
            Dispute.accept_escalated_at >= start, Dispute.accept_escalated_at < end
        )
    )
    resolve = await session.scalar(
        sa.select(sa.func.count()).where(
            Dispute.resolve_escalated_at >= start, Dispute.resolve_escalated_at < end
        )
    )
    return int(accept or 0) + int(resolve or 0)


async def top_fields(session: AsyncSession, filters: Filters, limit: int) -> list[dict[str, Any]]:
    subject = sa.case(
        (Dispute.kind == "licence", Dispute.licence_type_code), else_=Dispute.target_ref
    ).label("subject")
    count = sa.func.count().label("count")
    rows = await session.execute(
        sa.select(Dispute.kind, subject, Dispute.field, count)
        .where(*filters)
        .group_by(Dispute.kind, subject, Dispute.field)
        .order_by(count.desc(), subject, Dispute.field)
        .limit(limit)
    )
    result = [dict(row._mapping) for row in rows]
    type_codes = {row["subject"] for row in result if row["kind"] != "item"}
    type_codes = {code.removeprefix("licence_type:") for code in type_codes if code}
    items = {int(row["subject"].removeprefix("item:")) for row in result if row["kind"] == "item"}
    type_names = dict(
        (
            await session.execute(
                sa.select(CatalogLicenceType.code, CatalogLicenceType.name).where(
                    CatalogLicenceType.code.in_(sorted(type_codes))
                )
            )
        ).all()
    )
    item_names = dict(
        (
            await session.execute(
                sa.select(CatalogItem.seq_no, CatalogItem.name).where(
                    CatalogItem.seq_no.in_(sorted(items))
                )
            )
        ).all()
    )
    for row in result:
        subject_text = row["subject"] or ""
        if row["kind"] == "item":
            row["subject_name"] = item_names.get(int(subject_text.removeprefix("item:")))
        else:
            row["subject_name"] = type_names.get(subject_text.removeprefix("licence_type:"))
    return result


async def propagation_counts(session: AsyncSession, filters: Filters) -> tuple[int, int]:
    told, late = (
        await session.execute(
            sa.select(sa.func.count(), _count(Propagation.late.is_(True)))
            .select_from(Propagation)
            .join(Dispute, Dispute.id == Propagation.dispute_id)
            .where(*filters)
        )
    ).one()
    return int(told or 0), int(late or 0)
