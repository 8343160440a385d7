"""Bodies of ``/v1/routes``."""

from __future__ import annotations

from datetime import datetime
from typing import Self
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator

from wuzheng.verification.routes.credentials import (
    MAX_REF_LENGTH,
    CredentialKind,
    RouteCredential,
    check_ref,
)
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


class CredentialIn(RequestModel):
    """The secret presented to the department's endpoint, named by reference: file names in
    the route secrets directory (``VERIFICATION_ROUTE_SECRETS_DIR``), never the secret."""

    kind: CredentialKind = Field(
        description="bearer: the file holds one token, sent as Authorization: Bearer; "
        "mtls: a PEM client certificate (chain) presented in the TLS handshake"
    )
    ref: str = Field(
        min_length=1,
        max_length=MAX_REF_LENGTH,
        description="File name of the token (bearer) or the client certificate (mtls): a plain "
        "name, no path separators, no '..'",
        examples=["civil-affairs.token"],
    )
    key_ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_REF_LENGTH,
        description="mtls only: file name of the client certificate's private key (PEM, not "
        "encrypted); absent when the certificate file holds the key too",
        examples=["civil-affairs.key"],
    )

    _ref = field_validator("ref")(check_ref)

    @field_validator("key_ref")
    @classmethod
    def _key_ref(cls, value: str | None) -> str | None:
        return check_ref(value) if value is not None else None

    @model_validator(mode="after")
    def _key_for_mtls_only(self) -> Self:
        if self.kind == "bearer" and self.key_ref is not None:
            raise ValueError("key_ref is for kind mtls only")
        return self

    def credential(self) -> RouteCredential:
        return RouteCredential(self.kind, self.ref, self.key_ref)


class CredentialOut(BaseModel):
    """The route's credential as registered: its kind and file names, never the secret."""

    kind: CredentialKind
    ref: str
    key_ref: str | None = None
    problem: str | None = Field(
        default=None,
        description="Why the secret cannot be used now (a file missing, unreadable or not "
        "loadable); null when it can. A route may be registered before its secret is "
        "mounted: calls fail with issuer_unavailable until this is null.",
    )


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
    credential: CredentialIn | None = Field(
        default=None,
        description="What to present to the endpoint when it requires authentication: a "
        "secret named by reference (kind bearer or mtls, file names); none by default",
    )

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
    open_for_seconds: float = Field(
        description="How long the circuit stays open this time (doubles with each failed "
        "trial); 0 when closed"
    )
    retry_after_seconds: float = Field(description="Until the next trial request; 0 unless open")


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
    credential: CredentialOut | None = Field(
        default=None, description="The registered URL's credential: kind and file names only"
    )
    registered_by: str | None = None
    registered_at: datetime | None = None
    health: Health = Field(description="This replica's view: circuit and last results")


class RoutesOut(BaseModel):
    routes: list[RouteOut]
