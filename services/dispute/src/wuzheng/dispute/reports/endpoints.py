"""``/v1/reports``: per-department figures and the processing report (异议数据处理报告)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from wuzheng.db import SessionDep
from wuzheng.dispute.auth import AUTH_RESPONSES, ReportReader
from wuzheng.dispute.context import ContextDep
from wuzheng.dispute.errors import FieldError, invalid
from wuzheng.dispute.reports import service
from wuzheng.dispute.reports.html import render_html
from wuzheng.dispute.reports.schemas import DepartmentReport, ProcessingReport

router = APIRouter(prefix="/v1/reports", tags=["reports"])

From = Annotated[
    dt.date | None, Query(alias="from", description="First filing day (local), inclusive")
]
To = Annotated[dt.date | None, Query(alias="to", description="Last filing day (local), inclusive")]


def _check_period(first: dt.date | None, last: dt.date | None, *, limit: int | None) -> None:
    errors = []
    if first is not None and last is not None and last < first:
        errors.append(FieldError("query.to", f"{last} is before from={first}", "period"))
    elif first is not None and last is not None and limit and (last - first).days + 1 > limit:
        errors.append(FieldError("query.to", f"a period is at most {limit} days", "period"))
    if errors:
        raise invalid(errors)


@router.get("/departments", responses=AUTH_RESPONSES)
async def departments(
    caller: ReportReader,
    session: SessionDep,
    context: ContextDep,
    filed_from: From = None,
    filed_to: To = None,
) -> DepartmentReport:
    """Per responsible department (busiest first) and in total: received, accepted on time,
    decided on time, overdue now, median time to accept and to decide (wall clock and
    working time), rejection rate and the share ending in a correction. ``from``/``to``
    restrict to disputes filed on those local days; without them, every dispute."""
    _check_period(filed_from, filed_to, limit=None)
    return await service.department_report(session, context, filed_from, filed_to)


@router.get(
    "/processing",
    responses={
        **AUTH_RESPONSES,
        200: {
            "content": {"text/html": {"schema": {"type": "string"}}},
            "description": "JSON, or with format=html a self-contained HTML page",
        },
    },
    response_model=ProcessingReport,
)
async def processing(
    caller: ReportReader,
    session: SessionDep,
    context: ContextDep,
    filed_from: From = None,
    filed_to: To = None,
    format: Annotated[Literal["json", "html"], Query()] = "json",
) -> Response | ProcessingReport:
    """异议数据处理报告 for disputes filed from ``from`` to ``to`` (local days, inclusive; at
    most 366 days; default the last 30 days): totals, per day, per state, channel and kind,
    per department, the most disputed fields and the correction loop."""
    default_from, default_to = service.default_period(context)
    first = filed_from or (
        filed_to - dt.timedelta(days=29) if filed_to is not None else default_from
    )
    last = filed_to or (filed_from + dt.timedelta(days=29) if filed_from else default_to)
    _check_period(first, last, limit=service.MAX_PERIOD_DAYS)
    report = await service.processing_report(session, context, first, last)
    if format == "html":
        return HTMLResponse(render_html(report))
    return report
