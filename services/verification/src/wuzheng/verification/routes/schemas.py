"""Bodies of ``/v1/routes``."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator

from wuzheng.verification.routes.health import CircuitState
from wuzheng.verification.routes.views import Transport
from wuzheng.web import RequestModel


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must be an absolute https:// URL")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment")
    return value.rstrip("/")


class RouteIn(RequestModel):
    """An external department's own verification service."""

    url: str = Field(
        max_length=500,
        description="Base URL: verification goes to {url}/v1/issuers/{issuer_code}/verify",
        examples=["https://verify.example.gov.cn"],
    )
    jwks_url: str | None = Field(
        default=None,
        max_length=500,
        description="Where its keys are (default {url}/v1/issuers/{issuer_code}/jwks.json)",
    )
    department: str | None = Field(default=None, min_length=1, max_length=64)
    timeout_ms: int | None = Field(default=None, ge=50, le=60_000)

    _url = field_validator("url")(_check_url)

    @field_validator("jwks_url")
    @classmethod
    def _jwks(cls, value: str | None) -> str | None:
        return _check_url(value) if value is not None else None


class RoutePatch(RequestModel):
    timeout_ms: int | None = Field(
        ge=50, le=60_000, description="Per-issuer timeout; null for the service default"
    )


class Health(BaseModel):
    state: CircuitState
    consecutive_failures: int
    successes: int
    failures: int
    invalid_answers: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    opened_at: datetime | None


class RouteOut(BaseModel):
    issuer_code: str
    department: str | None
    department_name: str | None = None
    transport: Transport
    subject: str | None = Field(description="In-mesh NATS subject (logical)")
    url: str | None
    jwks_url: str | None
    kids: list[str] = Field(description="Keys cached for the issuer")
    mesh_served: bool = Field(description="The issuance service answers for it in the mesh")
    timeout_ms: int | None
    effective_timeout_ms: int
    registered_by: str | None = None
    registered_at: datetime | None = None
    health: Health = Field(description="This replica's view: circuit and last results")


class RoutesOut(BaseModel):
    routes: list[RouteOut]
