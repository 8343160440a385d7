"""SQL of the disputes domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.dispute.disputes.schemas import OPEN_STATES, State
from wuzheng.dispute.models import Dispute, DisputeHistory, LicenceVerification, Propagation

OPEN = sorted(OPEN_STATES)


async def get(
    session: AsyncSession, dispute_id: str, *, for_update: bool = False
) -> Dispute | None:
    query = sa.select(Dispute).where(Dispute.id == dispute_id)
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


async def open_dispute_on(session: AsyncSession, target_ref: str, field: str) -> Dispute | None:
    query = (
        sa.select(Dispute)
        .where(Dispute.target_ref == target_ref, Dispute.field == field)
        .where(Dispute.state.in_(OPEN))
        .limit(1)
    )
    return (await session.scalars(query)).one_or_none()


def overdue_condition(now: dt.datetime) -> sa.ColumnElement[bool]:
    """Open, and past the accept clock (while submitted) or past the resolve clock."""
    return sa.and_(
        Dispute.state.in_(OPEN),
        sa.or_(
            sa.and_(Dispute.state == State.SUBMITTED, Dispute.accept_due_at < now),
            Dispute.resolve_due_at < now,
        ),
    )


async def page(
    session: AsyncSession,
    *,
    filters: Sequence[sa.ColumnElement[bool]],
    limit: int,
    offset: int,
) -> tuple[int, list[Dispute]]:
    total = await session.scalar(sa.select(sa.func.count()).select_from(Dispute).where(*filters))
    rows = await session.scalars(
        sa.select(Dispute)
        .where(*filters)
        .order_by(Dispute.filed_at.desc(), Dispute.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return int(total or 0), list(rows)


async def history(session: AsyncSession, dispute_id: str) -> list[DisputeHistory]:
    rows = await session.scalars(
        sa.select(DisputeHistory)
        .where(DisputeHistory.dispute_id == dispute_id)
        .order_by(DisputeHistory.id)
    )
    return list(rows)


async def told(session: AsyncSession, dispute_ids: Sequence[str]) -> dict[str, list[str]]:
    """Departments told of each dispute's correction."""
    if not dispute_ids:
        return {}
    rows = await session.execute(
        sa.select(Propagation.dispute_id, Propagation.department)
        .where(Propagation.dispute_id.in_(list(dispute_ids)))
        .order_by(Propagation.department)
    )
    result: dict[str, list[str]] = {}
    for dispute_id, department in rows:
        result.setdefault(dispute_id, []).append(department)
    return result


async def verifying_departments(session: AsyncSession, licence_ids: Sequence[str]) -> list[str]:
    rows = await session.scalars(
        sa.select(LicenceVerification.department)
        .where(LicenceVerification.licence_id.in_(list(licence_ids)))
        .distinct()
        .order_by(LicenceVerification.department)
    )
    return list(rows)


async def propagated_disputes_of(session: AsyncSession, licence_id: str) -> list[Dispute]:
    """Disputes whose correction of ``licence_id`` has already been propagated."""
    rows = await session.scalars(
        sa.select(Dispute).where(
            Dispute.licence_id == licence_id, Dispute.correction_status == "propagated"
        )
    )
    return list(rows)


def add_history(
    session: AsyncSession,
    dispute: Dispute,
    *,
    at: dt.datetime,
    kind: str,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    actor_department: str | None = None,
    actor_operator: str | None = None,
    note: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        DisputeHistory(
            dispute_id=dispute.id,
            at=at,
            kind=kind,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor_department=actor_department,
            actor_operator=actor_operator,
            note=note,
            details=details,
        )
    )
