"""Settings of the dispute service (environment variables prefixed ``DISPUTE_``).

Lists and mappings are JSON in the environment, e.g.
``DISPUTE_HOLIDAYS='["2025-10-01", "2025-10-02"]'``,
``DISPUTE_SLA_DEPARTMENTS='{"public-security": {"accept_days": 2, "resolve_days": 10}}'``.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from wuzheng.dispute.sla.holidays import DEFAULT_HOLIDAYS, DEFAULT_MAKEUP_WORKDAYS
from wuzheng.settings import ServiceSettings, service_config

DEFAULT_MEDIA_TYPES = (
    "application/pdf",
    "application/ofd",  # GB/T 33190 版式文档, what Chinese e-documents come as
    "image/jpeg",
    "image/png",
    "image/webp",
)


class SlaDays(BaseModel):
    """How many working days a department has to accept and to resolve, counted from filing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accept_days: int = Field(1, ge=1, le=60)
    resolve_days: int = Field(5, ge=1, le=365)

    @model_validator(mode="after")
    def _resolve_after_accept(self) -> Self:
        if self.resolve_days < self.accept_days:
            raise ValueError("resolve_days cannot be less than accept_days")
        return self


class DisputeSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("DISPUTE_")
    service_name: ClassVar[str] = "dispute"

    port: int = 8105

    holder_key: SecretStr = Field(
        SecretStr("changeme"),
        description="HMAC-SHA256 key under which holder codes are stored (never in clear); "
        "changing it makes existing disputes unfindable by holder",
    )

    sla_accept_days: int = Field(1, ge=1, le=60, description="Default working days to accept")
    sla_resolve_days: int = Field(5, ge=1, le=365, description="Default working days to resolve")
    sla_departments: dict[str, SlaDays] = Field(
        default_factory=dict,
        description="Per-department SLA (department code → days); the API's overrides win",
    )
    timezone: str = Field("Asia/Shanghai", description="Where working days are counted")
    holidays: list[dt.date] = Field(
        default_factory=lambda: list(DEFAULT_HOLIDAYS),
        description="Public holidays (no work even on a weekday)",
    )
    makeup_workdays: list[dt.date] = Field(
        default_factory=lambda: list(DEFAULT_MAKEUP_WORKDAYS),
        description="调休: weekend days that are working days",
    )

    overdue_check_seconds: float = Field(
        60.0, gt=0, le=3600, description="How often the overdue detector runs"
    )
    frozen_time: dt.datetime | None = Field(
        None,
        description="Start the service clock frozen at this instant (tests and demos only; "
        "refused outside dev/test)",
    )

    evidence_schemes: list[str] = Field(
        default_factory=lambda: ["https"], description="URI schemes evidence may point to"
    )
    evidence_media_types: list[str] = Field(
        default_factory=lambda: list(DEFAULT_MEDIA_TYPES),
        description="Media types evidence may have",
    )
    evidence_max_bytes: int = Field(
        20 * 1024 * 1024, ge=1, description="Largest declared size of one evidence file"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("evidence_schemes", "evidence_media_types")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return [value.strip().lower() for value in values]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.sla_resolve_days < self.sla_accept_days:
            raise ValueError("sla_resolve_days cannot be less than sla_accept_days")
        both = sorted(set(self.holidays) & set(self.makeup_workdays))
        if both:
            raise ValueError(
                "dates cannot be both a holiday and a make-up working day: "
                + ", ".join(day.isoformat() for day in both)
            )
        if self.frozen_time is not None:
            if not self.is_dev:
                raise ValueError("frozen_time is for dev and test only")
            if self.frozen_time.tzinfo is None:
                raise ValueError("frozen_time needs a time zone offset")
        return self

    def sla_default(self) -> SlaDays:
        return SlaDays(accept_days=self.sla_accept_days, resolve_days=self.sla_resolve_days)
