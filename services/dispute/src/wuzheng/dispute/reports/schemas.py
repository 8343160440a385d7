from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class DepartmentFigures(BaseModel):
    department: str = Field(description="Department code, or * for every department")
    name: str | None = Field(description="From the catalogue, when known")
    received: int
    accepted: int
    accepted_on_time: int = Field(description="Accepted before the accept clock ran out")
    accepted_on_time_rate: float | None = Field(description="Of those accepted")
    decided: int = Field(description="Resolved or rejected")
    resolved: int
    rejected: int
    withdrawn: int
    resolved_on_time: int = Field(description="Decided before the resolve clock ran out")
    resolved_on_time_rate: float | None = Field(description="Of those decided")
    open: int
    overdue_now: int = Field(description="Open with a clock that has run out")
    median_hours_to_accept: float | None = Field(description="Filing → acceptance, wall clock")
    median_working_hours_to_accept: float | None = Field(description="… working time only")
    median_hours_to_resolve: float | None = Field(description="Filing → decision, wall clock")
    median_working_hours_to_resolve: float | None = Field(description="… working time only")
    rejection_rate: float | None = Field(description="Rejected of those decided")
    correction_share: float | None = Field(
        description="Of those that ended (resolved, rejected, withdrawn): resolved with a "
        "correction"
    )
    corrections_pending: int = Field(description="Resolved; the issuer has not amended yet")
    corrections_propagated: int


class DepartmentReport(BaseModel):
    generated_at: dt.datetime
    filed_from: dt.date | None
    filed_to: dt.date | None
    timezone: str
    totals: DepartmentFigures
    departments: list[DepartmentFigures]


class DayCount(BaseModel):
    day: dt.date
    received: int
    closed: int


class FieldCount(BaseModel):
    kind: str
    subject: str = Field(description="Licence type code, item:<seq_no> or licence_type:<code>")
    subject_name: str | None
    field: str
    count: int


class CorrectionFigures(BaseModel):
    licence_corrections: int = Field(description="Licence disputes resolved with a correction")
    pending: int
    amended: int
    propagated: int
    departments_told: int = Field(description="(dispute, department) notifications sent")
    late_notifications: int = Field(description="Departments told after the first propagation")


class ProcessingReport(BaseModel):
    """异议数据处理报告: what happened to the disputes filed in a period."""

    title: str
    generated_at: dt.datetime
    period_from: dt.date
    period_to: dt.date
    timezone: str
    received: int
    closed_in_period: int = Field(description="Disputes (of any filing date) closed in the period")
    escalations_in_period: int
    by_state: dict[str, int]
    by_channel: dict[str, int]
    by_kind: dict[str, int]
    daily: list[DayCount]
    totals: DepartmentFigures
    departments: list[DepartmentFigures]
    top_fields: list[FieldCount]
    corrections: CorrectionFigures
