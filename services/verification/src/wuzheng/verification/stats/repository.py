"""Aggregations over the access record (days are calendar days in the configured zone)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from wuzheng.verification.audit.models import AccessRecord, AccessUsage

GroupBy = Literal["licence_type", "department", "item", "day"]


@dataclass(frozen=True)
class Count:
    key: str
    answered: int
    refused: int
    failed: int

    @property
    def total(self) -> int:
        return self.answered + self.refused + self.failed


def _days(
    column: InstrumentedAttribute[str], since: date | None, until: date | None
) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if since is not None:
        conditions.append(column >= since.isoformat())
    if until is not None:
        conditions.append(column <= until.isoformat())
    return conditions


async def counts(
    session: AsyncSession,
    by: GroupBy,
    *,
    since: date | None,
    until: date | None,
    kind: str | None,
) -> list[Count]:
    """Requests per department, item or day by result class; licence uses per type."""
    if by == "licence_type":
        query = (
            sa.select(AccessUsage.type_code, sa.func.count())
            .where(*_days(AccessUsage.day, since, until))
            .group_by(AccessUsage.type_code)
        )
        if kind is not None:
            query = query.where(AccessUsage.kind == kind)
        rows = (await session.execute(query)).all()
        result = [Count(str(key), int(n), 0, 0) for key, n in rows]
        return sorted(result, key=lambda c: (-c.total, c.key))
    column: sa.ColumnElement[Any] = {
        "department": AccessRecord.caller_department,
        "item": AccessRecord.item_seq_no,
        "day": AccessRecord.day,
    }[by].expression
    query = (
        sa.select(column, AccessRecord.result_class, sa.func.count())
        .where(*_days(AccessRecord.day, since, until))
        .group_by(column, AccessRecord.result_class)
    )
    if kind is not None:
        query = query.where(AccessRecord.kind == kind)
    merged: dict[str, dict[str, int]] = {}
    grouped: Sequence[Any] = (await session.execute(query)).all()
    for key, result_class, n in grouped:
        if key is None:
            continue
        merged.setdefault(str(key), {})[str(result_class)] = int(n)
    result = [
        Count(key, c.get("answered", 0), c.get("refused", 0), c.get("failed", 0))
        for key, c in merged.items()
    ]
    if by == "day":
        return sorted(result, key=lambda c: c.key)
    return sorted(result, key=lambda c: (-c.total, c.key))


@dataclass(frozen=True)
class TopLicence:
    type_code: str
    uses: int
    licences: int


async def top_licences(
    session: AsyncSession, n: int, *, since: date | None, until: date | None
) -> Sequence[TopLicence]:
    uses = sa.func.count().label("uses")
    query = (
        sa.select(AccessUsage.type_code, uses, sa.func.count(sa.distinct(AccessUsage.licence_id)))
        .where(*_days(AccessUsage.day, since, until))
        .group_by(AccessUsage.type_code)
    )
    rows = (
        await session.execute(query.order_by(uses.desc(), AccessUsage.type_code).limit(n))
    ).all()
    return [TopLicence(str(code), int(count), int(distinct)) for code, count, distinct in rows]


@dataclass(frozen=True)
class ExemptionRate:
    evidence_requests: int
    nothing_to_submit: int

    @property
    def rate(self) -> float | None:
        if not self.evidence_requests:
            return None
        return self.nothing_to_submit / self.evidence_requests


async def exemption_rate(
    session: AsyncSession, *, since: date | None, until: date | None, item_seq_no: int | None
) -> ExemptionRate:
    """Of the evidence requests answered, how many needed nothing submitted (免提交率)."""
    query = (
        sa.select(AccessRecord.result, sa.func.count())
        .where(AccessRecord.kind == "evidence_request", AccessRecord.result_class == "answered")
        .where(*_days(AccessRecord.day, since, until))
        .group_by(AccessRecord.result)
    )
    if item_seq_no is not None:
        query = query.where(AccessRecord.item_seq_no == item_seq_no)
    by_result = {str(result): int(n) for result, n in (await session.execute(query)).all()}
    return ExemptionRate(sum(by_result.values()), by_result.get("nothing_to_submit", 0))
