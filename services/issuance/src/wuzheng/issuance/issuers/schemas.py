"""Bodies and parameters of the issuer endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field

from wuzheng.contracts import CreditCode
from wuzheng.issuance.seals import SealSuite
from wuzheng.web import RequestModel

IssuerCodePath = Annotated[
    CreditCode, Path(description="The issuer's unified social credit code (GB 32100)")
]


class RotateRequest(RequestModel):
    suite: SealSuite | None = Field(
        default=None,
        description="Suite of the new key (ed25519 or sm2-sm3); default: the current one",
    )


class IssuerOut(BaseModel):
    issuer_code: str
    department: str
    name: str
    suite: SealSuite | None
    active_kid: str | None
    verify_subject: str = Field(description="NATS subject of its verification responder")
    jwks_uri: str
    status_list_uri: str


class RotatedOut(IssuerOut):
    jwks: dict[str, Any]
