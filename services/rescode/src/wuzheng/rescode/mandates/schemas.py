"""API models of mandates."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from wuzheng.contracts import HolderCode, LicenceTypeCode
from wuzheng.rescode.common import HolderOut, ItemSeqNo, Relation
from wuzheng.web import RequestModel

MandateState = Literal["active", "pending", "expired", "revoked"]


class MandateIn(RequestModel):
    principal: HolderCode = Field(description="Who is acted for: a person or an organisation")
    agent: HolderCode = Field(description="Who acts: a person (111:…)")
    relation: Relation = Field(
        description="family (代办) or guardian (监护) for a person; company_staff (企业经办人) "
        "for an organisation"
    )
    items: list[ItemSeqNo] | None = Field(
        default=None, max_length=200, description="Service items covered; null = every item"
    )
    licence_types: list[LicenceTypeCode] | None = Field(
        default=None,
        max_length=50,
        description="Licence types the agent may have shown; null = every type",
    )
    valid_from: AwareDatetime | None = Field(default=None, description="Default: now")
    valid_until: AwareDatetime


class MandateOut(BaseModel):
    mandate_id: str
    principal: HolderOut
    agent: HolderOut
    relation: Relation
    relation_label: str = Field(examples=["代办"])
    items: list[int] | None
    licence_types: list[str] | None
    valid_from: datetime
    valid_until: datetime
    granted_at: datetime
    revoked_at: datetime | None
    state: MandateState


class MandateList(BaseModel):
    holder: HolderOut
    granted: list[MandateOut] = Field(description="Mandates the holder gave (as principal)")
    held: list[MandateOut] = Field(description="Mandates the holder holds (as agent)")
