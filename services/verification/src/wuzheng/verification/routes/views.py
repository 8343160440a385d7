"""The effective route of an issuer, as the forwarder uses it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from wuzheng.seals import JwkSet
from wuzheng.verification.routes.credentials import RouteCredential

Transport = Literal["nats", "https"]


@dataclass(frozen=True)
class RouteView:
    issuer_code: str
    department: str | None
    transport: Transport
    subject: str | None  # logical NATS subject (verify.<issuer>) for transport "nats"
    url: str | None  # base URL for transport "https"
    jwks_url: str | None
    jwks: dict[str, Any] | None
    keys: JwkSet
    timeout_ms: int | None
    credential: RouteCredential | None = None  # https routes: the secret presented, by name

    @property
    def verify_url(self) -> str:
        assert self.url is not None
        return f"{self.url.rstrip('/')}/v1/issuers/{self.issuer_code}/verify"

    @property
    def target(self) -> str:
        return (self.subject if self.transport == "nats" else self.url) or ""
