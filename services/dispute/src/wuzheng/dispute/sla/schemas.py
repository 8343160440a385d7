from __future__ import annotations

import datetime as dt
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from wuzheng.web import RequestModel

DEPARTMENT_CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"

SlaSource = Literal["api", "settings", "default"]


class SlaIn(RequestModel):
    accept_days: int = Field(ge=1, le=60, description="Working days to accept, from filing")
    resolve_days: int = Field(ge=1, le=365, description="Working days to decide, from filing")

    @model_validator(mode="after")
    def _resolve_after_accept(self) -> Self:
        if self.resolve_days < self.accept_days:
            raise ValueError("resolve_days cannot be less than accept_days")
        return self


class SlaPolicy(BaseModel):
    department: str
    accept_days: int
    resolve_days: int
    source: SlaSource = Field(description="api (set here), settings, or the default")
    updated_at: dt.datetime | None = None
    updated_by: str | None = None


class SlaOverview(BaseModel):
    default_accept_days: int
    default_resolve_days: int
    timezone: str
    holidays: list[dt.date]
    makeup_workdays: list[dt.date]
    departments: list[SlaPolicy] = Field(description="Departments with a policy of their own")


class Deadline(BaseModel):
    start: dt.datetime
    working_days: int
    due_at: dt.datetime
    due_local: str = Field(description="The deadline in the calendar's zone")
