"""``/v1/disputes``: file, follow, handle and withdraw disputes (异议投诉)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from wuzheng.auth import CallerDep, InsufficientScope
from wuzheng.contracts import HolderCode
from wuzheng.db import SessionDep
from wuzheng.dispute.auth import AUTH_RESPONSES, FILE, HANDLE, Filer, Handler, Responses
from wuzheng.dispute.context import ContextDep
from wuzheng.dispute.disputes import service
from wuzheng.dispute.disputes.schemas import (
    AcceptIn,
    DisputeIn,
    DisputeOut,
    DisputePage,
    Kind,
    NoteIn,
    RejectIn,
    ResolveIn,
    State,
)
from wuzheng.dispute.errors import FieldError, invalid

router = APIRouter(prefix="/v1/disputes", tags=["disputes"])

DisputeId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="The dispute's id")]
HolderQuery = Annotated[
    HolderCode | None,
    Query(
        description='The holder\'s code ("111:<ID number>" or "001:<USCC>"): the holder '
        "context the 爱山东 backend or a counter passes to act for that holder"
    ),
]
STEP_RESPONSES: Responses = {
    **AUTH_RESPONSES,
    404: {"description": "No such dispute"},
    409: {"description": "The dispute's state does not allow this step (names the state)"},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        **AUTH_RESPONSES,
        404: {"description": "Unknown licence, item or licence type"},
        409: {"description": "Licence superseded, or a dispute on the field is still open"},
    },
)
async def file_dispute(
    body: DisputeIn, caller: Filer, session: SessionDep, context: ContextDep
) -> DisputeOut:
    """File a dispute about a licence field or a catalog entry; it is routed to the
    responsible department (the licence's issuer, the item's department, the licence type's
    first issuing department) and its SLA clocks start. Emits ``dispute.case.opened``."""
    dispute = await service.file(session, context, caller, body)
    who = service.viewer(context, caller, body.holder)
    return await service.detail(session, context, who, dispute)


@router.get("", responses=AUTH_RESPONSES)
async def list_disputes(
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    holder: HolderQuery = None,
    state: Annotated[State | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="Only (or no) overdue ones")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> DisputePage:
    """With ``holder`` (and ``disputes:file``): that holder's own disputes. Without it (and
    ``disputes:handle``): the caller's department's disputes. Newest first."""
    if holder is not None:
        if not caller.has(FILE):
            raise InsufficientScope([FILE])
    elif not caller.has(HANDLE):
        if caller.has(FILE):
            raise invalid(
                [
                    FieldError(
                        "query.holder",
                        "required: a filer sees a holder's disputes in that holder's context",
                        "missing",
                    )
                ]
            )
        raise InsufficientScope([HANDLE])
    who = service.viewer(context, caller, holder)
    return await service.list_disputes(
        session, context, who, state=state, kind=kind, overdue=overdue, limit=limit, offset=offset
    )


@router.get("/{dispute_id}", responses={**AUTH_RESPONSES, 404: {}})
async def get_dispute(
    dispute_id: DisputeId,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    holder: HolderQuery = None,
) -> DisputeOut:
    """One dispute with its history: for the responsible department's staff, or for its
    holder (``disputes:file`` with ``holder``), or for the department that filed a dispute
    without a holder."""
    if not (caller.has(FILE) or caller.has(HANDLE)):
        raise InsufficientScope([FILE])
    who = service.viewer(context, caller, holder)
    dispute = await service.visible(session, who, dispute_id)
    return await service.detail(session, context, who, dispute)


@router.post("/{dispute_id}/accept", responses=STEP_RESPONSES)
async def accept(
    dispute_id: DisputeId, body: AcceptIn, caller: Handler, session: SessionDep, context: ContextDep
) -> DisputeOut:
    """submitted → accepted (受理), assigned to ``assignee`` or the caller."""
    who = service.viewer(context, caller, None)
    dispute = await service.accept(session, context, who, dispute_id, body)
    return await service.detail(session, context, who, dispute)


@router.post("/{dispute_id}/process", responses=STEP_RESPONSES)
async def process(
    dispute_id: DisputeId, body: NoteIn, caller: Handler, session: SessionDep, context: ContextDep
) -> DisputeOut:
    """accepted → processing (核查处理)."""
    who = service.viewer(context, caller, None)
    dispute = await service.process(session, context, who, dispute_id, body)
    return await service.detail(session, context, who, dispute)


@router.post("/{dispute_id}/resolve", responses={**STEP_RESPONSES, 422: {}})
async def resolve(
    dispute_id: DisputeId,
    body: ResolveIn,
    caller: Handler,
    session: SessionDep,
    context: ContextDep,
) -> DisputeOut:
    """processing → resolved with ``corrections`` (field → corrected value). For a licence
    this emits ``dispute.case.resolved``: its issuer amends it, and once the new version is
    recorded every department that verified the old one is told."""
    who = service.viewer(context, caller, None)
    dispute = await service.resolve(session, context, who, dispute_id, body)
    return await service.detail(session, context, who, dispute)


@router.post("/{dispute_id}/reject", responses=STEP_RESPONSES)
async def reject(
    dispute_id: DisputeId, body: RejectIn, caller: Handler, session: SessionDep, context: ContextDep
) -> DisputeOut:
    """Any open state → rejected, with the reason. Emits ``dispute.case.closed``."""
    who = service.viewer(context, caller, None)
    dispute = await service.reject(session, context, who, dispute_id, body)
    return await service.detail(session, context, who, dispute)


@router.post("/{dispute_id}/withdraw", responses=STEP_RESPONSES)
async def withdraw(
    dispute_id: DisputeId,
    body: NoteIn,
    caller: Filer,
    session: SessionDep,
    context: ContextDep,
    holder: HolderQuery = None,
) -> DisputeOut:
    """Any open state → withdrawn, by the filer: the holder (``holder`` given) or, for a
    dispute without a holder, the department that filed it. Emits ``dispute.case.closed``."""
    who = service.viewer(context, caller, holder)
    dispute = await service.withdraw(session, context, who, dispute_id, body)
    return await service.detail(session, context, who, dispute)
