"""``/v1/sla``: the SLA defaults, the working-day calendar and per-department policies."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from wuzheng.auth import CallerDep, InsufficientScope
from wuzheng.db import SessionDep
from wuzheng.dispute.auth import AUTH_RESPONSES, HANDLE, REPORTS, Admin
from wuzheng.dispute.context import ContextDep
from wuzheng.dispute.errors import FieldError, invalid
from wuzheng.dispute.sla import service
from wuzheng.dispute.sla.schemas import (
    DEPARTMENT_CODE_PATTERN,
    Deadline,
    SlaIn,
    SlaOverview,
    SlaPolicy,
)

router = APIRouter(prefix="/v1/sla", tags=["sla"])

DepartmentCode = Annotated[str, Path(pattern=DEPARTMENT_CODE_PATTERN, max_length=64)]


@router.get("", responses=AUTH_RESPONSES)
async def get_overview(caller: CallerDep, session: SessionDep, context: ContextDep) -> SlaOverview:
    """Defaults, the holiday calendar and every department with a policy of its own
    (``reports:read`` or ``disputes:handle``)."""
    if not (caller.has(REPORTS) or caller.has(HANDLE)):
        raise InsufficientScope([REPORTS])
    return await service.overview(session, context)


@router.get("/deadline", responses=AUTH_RESPONSES)
async def deadline(
    caller: CallerDep,
    context: ContextDep,
    start: Annotated[dt.datetime, Query(description="Timezone-aware start instant")],
    days: Annotated[int, Query(ge=0, le=365, description="Working days")],
) -> Deadline:
    """When ``days`` working days from ``start`` run out under the configured calendar."""
    if not (caller.has(REPORTS) or caller.has(HANDLE)):
        raise InsufficientScope([REPORTS])
    if start.tzinfo is None:
        raise invalid([FieldError("query.start", "needs a timezone offset", "naive_datetime")])
    due = context.calendar.add_working_days(start, days)
    return Deadline(
        start=start,
        working_days=days,
        due_at=due,
        due_local=due.astimezone(context.calendar.zone).isoformat(),
    )


@router.put("/departments/{department}", responses=AUTH_RESPONSES)
async def put_department(
    department: DepartmentCode,
    body: SlaIn,
    caller: Admin,
    session: SessionDep,
    context: ContextDep,
) -> SlaPolicy:
    """Set the department's SLA (``ops:admin``); disputes filed from now on use it."""
    return await service.set_sla(session, context, department, body, caller)


@router.delete("/departments/{department}", responses={**AUTH_RESPONSES, 404: {}})
async def delete_department(
    department: DepartmentCode, caller: Admin, session: SessionDep, context: ContextDep
) -> SlaPolicy:
    """Drop the API override: the department falls back to settings or the default."""
    return await service.clear_sla(session, context, department)
