"""``/v1/consents`` and a holder's consents (授权展码), for the 爱山东 backend."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from wuzheng.db import SessionDep
from wuzheng.rescode.auth import ConsentManager, auth_responses
from wuzheng.rescode.consents import service
from wuzheng.rescode.consents.schemas import ConsentIn, ConsentList, ConsentOut, ConsentState
from wuzheng.rescode.context import RescodeDep
from wuzheng.rescode.paths import HolderPath
from wuzheng.service import OutboxDep

router = APIRouter(tags=["consents"])

ConsentId = Annotated[str, Path(pattern=r"^cs_[0-9a-f]{32}$")]
AUTH = auth_responses("consents:manage")


@router.post("/v1/consents", status_code=201, responses=AUTH)
async def grant_consent(
    caller: ConsentManager,
    body: ConsentIn,
    session: SessionDep,
    outbox: OutboxDep,
    rescode: RescodeDep,
) -> ConsentOut:
    """The holder lets a department see named licence types, for one service item (or any
    item of the department), for one case (一事一授权: used up by the first scan or evidence
    request that uses it) or a window. Emits ``consent.grant.granted``; the
    ``consent_id`` is the token an evidence request names. Unknown departments, items or
    licence types, types the item does not need and types the holder cannot hold are a
    422 naming them."""
    return await service.grant(session, outbox, rescode, caller, body)


@router.delete(
    "/v1/consents/{consent_id}",
    responses={
        **AUTH,
        404: {"description": "No such consent"},
        409: {"description": "consent-closed: already used up or expired"},
    },
)
async def revoke_consent(
    caller: ConsentManager,
    consent_id: ConsentId,
    session: SessionDep,
    outbox: OutboxDep,
    rescode: RescodeDep,
) -> ConsentOut:
    """Withdraw a consent (emits ``consent.grant.revoked``); withdrawing it again changes
    nothing."""
    return await service.revoke(session, outbox, rescode, consent_id)


@router.get("/v1/holders/{holder_code}/consents", responses=AUTH)
async def list_consents(
    caller: ConsentManager,
    holder_code: HolderPath,
    session: SessionDep,
    rescode: RescodeDep,
    state: Annotated[ConsentState | None, Query(description="Only consents in this state")] = None,
) -> ConsentList:
    """The holder's consents, newest first, each with its state."""
    return await service.list_for(session, rescode, holder_code, state)
