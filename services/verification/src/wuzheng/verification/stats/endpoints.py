"""``/v1/stats``: usage statistics (``stats:read``) — counts by licence type, department,
item and day; the most used licences (the plan's 前50/前100); the 免提交率."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from wuzheng.auth import Caller, require_scopes
from wuzheng.contracts.problems import InvalidInput
from wuzheng.db import SessionDep
from wuzheng.verification.catalog import repository as catalog
from wuzheng.verification.stats import repository
from wuzheng.verification.stats.repository import GroupBy

router = APIRouter(prefix="/v1/stats", tags=["stats"])
Reader = Annotated[Caller, Depends(require_scopes("stats:read"))]
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or invalid bearer token"},
    403: {"description": "The token lacks the stats:read scope"},
}
Since = Annotated[date | None, Query(alias="from", description="First day counted (inclusive)")]
Until = Annotated[date | None, Query(alias="to", description="Last day counted (inclusive)")]
Kind = Literal["verification", "evidence_request"]


def _range(since: date | None, until: date | None) -> None:
    if since is not None and until is not None and until < since:
        raise InvalidInput(
            "'to' is before 'from'",
            errors=[{"field": "query.to", "message": "is before from", "type": "value_error"}],
        )


class CountRow(BaseModel):
    key: str
    name: str | None = None
    total: int
    answered: int
    refused: int
    failed: int


class UsageOut(BaseModel):
    by: GroupBy
    since: date | None = Field(serialization_alias="from")
    until: date | None = Field(serialization_alias="to")
    rows: list[CountRow]


@router.get("/usage", responses=AUTH_RESPONSES, response_model_by_alias=True)
async def usage(
    _: Reader,
    session: SessionDep,
    by: Annotated[
        GroupBy, Query(description="licence_type (licence uses), department, item or day")
    ],
    since: Since = None,
    until: Until = None,
    kind: Annotated[
        Kind | None, Query(description="Only verifications or evidence requests")
    ] = None,
) -> UsageOut:
    """Counts of requests per department, item or day (answered / refused / failed), or of
    licence uses per licence type (a verification uses one licence, an evidence request as
    many as it verified)."""
    _range(since, until)
    counts = await repository.counts(session, by, since=since, until=until, kind=kind)
    keys = [c.key for c in counts]
    names: dict[str, str] = {}
    if by == "licence_type":
        names = await catalog.licence_type_names(session, keys)
    elif by == "department":
        names = await catalog.department_names(session, keys)
    elif by == "item":
        found = await catalog.item_names(session, [int(k) for k in keys])
        names = {str(k): v for k, v in found.items()}
    return UsageOut(
        by=by,
        since=since,
        until=until,
        rows=[
            CountRow(
                key=c.key,
                name=names.get(c.key),
                total=c.total,
                answered=c.answered,
                refused=c.refused,
                failed=c.failed,
            )
            for c in counts
        ],
    )


class TopLicenceRow(BaseModel):
    rank: int
    type_code: str
    name: str | None
    uses: int
    licences: int = Field(description="Distinct licences used")


class TopLicencesOut(BaseModel):
    n: int
    rows: list[TopLicenceRow]


@router.get("/top-licences", responses=AUTH_RESPONSES)
async def top_licences(
    _: Reader,
    session: SessionDep,
    n: Annotated[int, Query(ge=1, le=1000, description="How many (the plan: 50, then 100)")] = 50,
    since: Since = None,
    until: Until = None,
) -> TopLicencesOut:
    """The most used licence types, most used first."""
    _range(since, until)
    top = await repository.top_licences(session, n, since=since, until=until)
    names = await catalog.licence_type_names(session, [t.type_code for t in top])
    return TopLicencesOut(
        n=n,
        rows=[
            TopLicenceRow(
                rank=rank,
                type_code=t.type_code,
                name=names.get(t.type_code),
                uses=t.uses,
                licences=t.licences,
            )
            for rank, t in enumerate(top, start=1)
        ],
    )


class ExemptionRateOut(BaseModel):
    evidence_requests: int
    nothing_to_submit: int
    rate: float | None = Field(description="nothing_to_submit / evidence_requests (免提交率)")
    item_seq_no: int | None = None


@router.get("/exemption-rate", responses=AUTH_RESPONSES)
async def exemption_rate(
    _: Reader,
    session: SessionDep,
    since: Since = None,
    until: Until = None,
    item_seq_no: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> ExemptionRateOut:
    """The share of evidence requests in which nothing had to be submitted: every material
    was resolved (no paper, no missing or invalid licence, no missing consent)."""
    _range(since, until)
    rate = await repository.exemption_rate(
        session, since=since, until=until, item_seq_no=item_seq_no
    )
    return ExemptionRateOut(
        evidence_requests=rate.evidence_requests,
        nothing_to_submit=rate.nothing_to_submit,
        rate=round(rate.rate, 4) if rate.rate is not None else None,
        item_seq_no=item_seq_no,
    )
