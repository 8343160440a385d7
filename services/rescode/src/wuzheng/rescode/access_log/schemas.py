"""API models of the access log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from wuzheng.rescode.common import HolderOut

AccessSource = Literal["scan", "verification", "evidence_request"]


class ActingRecord(BaseModel):
    agent: str = Field(description="The agent's holder code, masked")
    relation: str
    relation_label: str


class AccessRecordOut(BaseModel):
    record_id: str
    seq: int = Field(description="Position in the holder's chain, from 1")
    source: AccessSource
    department: str
    department_name: str | None
    operator_id: str | None
    item_seq_no: int | None
    item_name: str | None
    purpose: str
    result: str = Field(
        description="For a scan: consented (licences shown) or identity_only, or why it "
        "was refused (code-used, code-expired, mandate-not-applicable); otherwise the "
        "verification outcome (valid, revoked, …) or error type"
    )
    at: datetime
    licence_ids: list[str] = Field(
        description="Licences the access used (verified, requested, or shown at a scan)"
    )
    type_code: str | None
    acting: ActingRecord | None = Field(description="When an agent showed the code")
    hash: str = Field(description="SHA-256 of this record chained to the previous one")
    prev_hash: str


class ChainOut(BaseModel):
    length: int
    head_hash: str
    intact: bool = Field(description="Every record's hash recomputed and matched")
    broken_at: int | None = Field(description="First record (seq) that does not match")


class AccessLog(BaseModel):
    holder: HolderOut
    chain: ChainOut
    records: list[AccessRecordOut] = Field(description="Newest first")
    next_before_seq: int | None = Field(description="Pass as before_seq for the next page")
