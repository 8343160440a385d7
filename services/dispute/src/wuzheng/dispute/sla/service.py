"""Which SLA applies to a department: an API override, else settings, else the default."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.auth import Caller
from wuzheng.dispute.auth import actor
from wuzheng.dispute.context import DisputeContext
from wuzheng.dispute.errors import FieldError, NotFound, invalid
from wuzheng.dispute.models import CatalogDepartment, DepartmentSla
from wuzheng.dispute.settings import SlaDays
from wuzheng.dispute.sla.schemas import SlaIn, SlaOverview, SlaPolicy


async def effective_sla(
    session: AsyncSession, context: DisputeContext, department: str
) -> SlaPolicy:
    row = await session.get(DepartmentSla, department)
    if row is not None:
        return SlaPolicy(
            department=department,
            accept_days=row.accept_days,
            resolve_days=row.resolve_days,
            source="api",
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )
    configured = context.settings.sla_departments.get(department)
    if configured is not None:
        return _policy(department, configured, "settings")
    return _policy(department, context.settings.sla_default(), "default")


def _policy(department: str, days: SlaDays, source: str) -> SlaPolicy:
    return SlaPolicy.model_validate(
        {
            "department": department,
            "accept_days": days.accept_days,
            "resolve_days": days.resolve_days,
            "source": source,
        }
    )


async def overview(session: AsyncSession, context: DisputeContext) -> SlaOverview:
    settings = context.settings
    policies = {
        code: _policy(code, days, "settings") for code, days in settings.sla_departments.items()
    }
    for row in await session.scalars(sa.select(DepartmentSla)):
        policies[row.department] = await effective_sla(session, context, row.department)
    return SlaOverview(
        default_accept_days=settings.sla_accept_days,
        default_resolve_days=settings.sla_resolve_days,
        timezone=settings.timezone,
        holidays=sorted(settings.holidays),
        makeup_workdays=sorted(settings.makeup_workdays),
        departments=[policies[code] for code in sorted(policies)],
    )


async def set_sla(
    session: AsyncSession, context: DisputeContext, department: str, body: SlaIn, caller: Caller
) -> SlaPolicy:
    """Set a department's SLA; it applies to disputes filed from now on."""
    if await session.get(CatalogDepartment, department) is None:
        raise invalid(
            [FieldError("path.department", f"unknown department {department!r}", "unknown")]
        )
    row = await session.get(DepartmentSla, department)
    now = context.clock.now()
    if row is None:
        row = DepartmentSla(department=department)
        session.add(row)
    row.accept_days, row.resolve_days = body.accept_days, body.resolve_days
    row.updated_at, row.updated_by = now, actor(caller)
    await session.flush()
    return await effective_sla(session, context, department)


async def clear_sla(session: AsyncSession, context: DisputeContext, department: str) -> SlaPolicy:
    row = await session.get(DepartmentSla, department)
    if row is None:
        raise NotFound(f"department {department!r} has no SLA set through the API")
    await session.delete(row)
    await session.flush()
    return await effective_sla(session, context, department)
