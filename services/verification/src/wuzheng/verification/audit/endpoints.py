"""``/v1/audit``: prove the access record's chain intact, export a time range (``audit:read``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, BaseModel

from wuzheng.auth import Caller, require_scopes
from wuzheng.contracts import HolderCode
from wuzheng.contracts.problems import InvalidInput
from wuzheng.db import utcnow
from wuzheng.verification.audit import repository
from wuzheng.verification.audit.models import AccessRecord
from wuzheng.verification.core import CoreDep

router = APIRouter(prefix="/v1/audit", tags=["audit"])
Auditor = Annotated[Caller, Depends(require_scopes("audit:read"))]
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or invalid bearer token"},
    403: {"description": "The token lacks the audit:read scope"},
}

EXPORT_COLUMNS = (
    "seq",
    "record_id",
    "recorded_at",
    "day",
    "kind",
    "caller_department",
    "operator_id",
    "item_seq_no",
    "purpose",
    "licence_id",
    "type_code",
    "issuer_code",
    "holder_masked",
    "holder_hmac",
    "result",
    "result_class",
    "mode",
    "detail",
    "prev_hash",
    "hash",
)


class BrokenRecord(BaseModel):
    seq: int
    record_id: str | None
    reason: str


class ChainCheck(BaseModel):
    intact: bool
    records: int
    head_seq: int
    head_hash: str
    first_broken: BrokenRecord | None
    checked_at: datetime


@router.get("/verify-chain", responses=AUTH_RESPONSES)
async def verify_chain(_: Auditor, core: CoreDep) -> ChainCheck:
    """Recompute the hash chain from the first record to the head. ``intact`` is true when
    every record fits; otherwise ``first_broken`` names the first record that does not (its
    content altered, a record missing or reordered, or the head not matching)."""
    report = await repository.verify_chain(core.database)
    broken = report.first_broken
    return ChainCheck(
        intact=report.intact,
        records=report.records,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        first_broken=BrokenRecord(seq=broken.seq, record_id=broken.record_id, reason=broken.reason)
        if broken
        else None,
        checked_at=utcnow(),
    )


def _row(record: AccessRecord) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in EXPORT_COLUMNS}
    values["recorded_at"] = record.recorded_at.isoformat()
    return values


@router.get("/records", responses=AUTH_RESPONSES)
async def export_records(
    _: Auditor,
    core: CoreDep,
    since: Annotated[
        AwareDatetime | None,
        Query(alias="from", description="Records at or after this time (ISO 8601 with offset)"),
    ] = None,
    until: Annotated[
        AwareDatetime | None,
        Query(alias="to", description="Records before this time (ISO 8601 with offset)"),
    ] = None,
    holder: Annotated[
        HolderCode | None, Query(description="Only records about this holder")
    ] = None,
    format: Annotated[
        Literal["jsonl", "csv"], Query(description="JSON lines (default) or CSV")
    ] = "jsonl",
) -> StreamingResponse:
    """The records of a time range in chain order, streamed. Each line carries the stored
    fields (holder masked and as its HMAC, ``detail`` as the exact stored JSON text), so
    the range's hashes can be recomputed outside the service."""
    if since is not None and until is not None and until <= since:
        raise InvalidInput(
            "'to' must be after 'from'",
            errors=[{"field": "query.to", "message": "must be after from", "type": "value_error"}],
        )
    holder_hmac = core.hasher.digest(holder) if holder is not None else None
    rows = repository.records(core.database, since=since, until=until, holder_hmac=holder_hmac)

    async def jsonl() -> AsyncIterator[bytes]:
        async for record in rows:
            yield (json.dumps(_row(record), ensure_ascii=False) + "\n").encode()

    async def csv_lines() -> AsyncIterator[bytes]:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        async for record in rows:
            writer.writerow(_row(record))
            if buffer.tell() > 64_000:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()

    if format == "csv":
        return StreamingResponse(
            csv_lines(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="access-records.csv"'},
        )
    return StreamingResponse(jsonl(), media_type="application/x-ndjson")
