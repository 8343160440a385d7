"""API models of codes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from wuzheng.contracts import HolderCode
from wuzheng.contracts.events.rescode import ConsentScope
from wuzheng.rescode.common import HolderOut, ItemSeqNo, Relation
from wuzheng.rescode.wallet.schemas import WalletLicenceOut
from wuzheng.web import RequestModel


class CodeIn(RequestModel):
    holder: HolderCode = Field(
        description="Whose code: a person (居民码) or an organisation (企业码)"
    )
    agent: HolderCode | None = Field(
        default=None,
        description="The person showing the code for the holder (required for an "
        "organisation); needs an active mandate",
    )
    mandate_id: str | None = Field(
        default=None,
        pattern=r"^md_[0-9a-f]{32}$",
        description="The mandate to act under; default: the agent's most recent active one",
    )


class Presentation(BaseModel):
    svg: str = Field(description="Path of the SVG image (GET with the same token)")
    png: str = Field(description="Path of the PNG image; ?scale=1..20 (default 8 for QR)")


class QrOut(Presentation):
    payload: str = Field(description="The signed QR payload (WZRC1.…)")


class BarcodeOut(Presentation):
    symbology: Literal["code128"] = "code128"
    data: str = Field(description="The digits the barcode encodes")


class ActingOut(BaseModel):
    agent: HolderOut
    relation: Relation
    relation_label: str
    mandate_id: str
    statement: str = Field(examples=["3707**********1239 acting for 3707**********0014 (代办)"])


class CodeOut(BaseModel):
    code_id: str
    holder: HolderOut
    acting: ActingOut | None
    issued_at: datetime
    expires_at: datetime
    ttl_seconds: int
    qr: QrOut
    digits: str = Field(description="For manual entry: 17 random digits and a Luhn check digit")
    digits_display: str = Field(examples=["1234 5678 9012 3456 78"])
    barcode: BarcodeOut


class ResolveIn(RequestModel):
    code: str = Field(
        min_length=1,
        max_length=512,
        description="The scanned QR payload or barcode, or the digits as typed",
    )
    item_seq_no: ItemSeqNo
    purpose: str = Field(min_length=1, max_length=200, examples=["办理户籍迁移"])
    operator_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="The operator at the counter, when the token does not name one",
    )


class ConsentUsed(BaseModel):
    consent_id: str
    scope: ConsentScope
    valid_until: datetime
    consumed: bool = Field(description="A one-case consent is used up by this scan")


class ResolveOut(BaseModel):
    code_id: str
    holder: HolderOut
    acting: ActingOut | None = Field(description="Who acts for whom, when an agent showed it")
    department: str
    operator_id: str | None
    item_seq_no: int
    item_name: str | None
    purpose: str
    scanned_at: datetime
    consented: bool = Field(description="False: identity only (no consent for this use)")
    consent: ConsentUsed | None
    licence_types: list[str] = Field(
        description="Types shown: the item's materials ∩ the consent (∩ the mandate)"
    )
    licences: list[WalletLicenceOut]
    access_record_id: str
