"""``/v1/mandates`` and a holder's mandates: acting for others, for the 爱山东 backend."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from wuzheng.db import SessionDep
from wuzheng.rescode.auth import ConsentManager, auth_responses
from wuzheng.rescode.context import RescodeDep
from wuzheng.rescode.mandates import service
from wuzheng.rescode.mandates.schemas import MandateIn, MandateList, MandateOut
from wuzheng.rescode.paths import HolderPath

router = APIRouter(tags=["mandates"])

MandateId = Annotated[str, Path(pattern=r"^md_[0-9a-f]{32}$")]
AUTH = auth_responses("consents:manage")


@router.post("/v1/mandates", status_code=201, responses=AUTH)
async def grant_mandate(
    caller: ConsentManager, body: MandateIn, session: SessionDep, rescode: RescodeDep
) -> MandateOut:
    """The principal (authenticated by the caller) lets an agent act for them: family
    (代办) or guardian (监护) for a person, company_staff (企业经办人) for an organisation;
    optionally only for some items and licence types; from ``valid_from`` (default now)
    until ``valid_until``. A code the agent shows resolves as "agent acting for
    principal"."""
    return await service.grant(session, rescode, caller, body)


@router.delete(
    "/v1/mandates/{mandate_id}", responses={**AUTH, 404: {"description": "No such mandate"}}
)
async def revoke_mandate(
    caller: ConsentManager, mandate_id: MandateId, session: SessionDep, rescode: RescodeDep
) -> MandateOut:
    """Withdraw a mandate: codes issued under it stop resolving at once. Idempotent."""
    return await service.revoke(session, rescode, mandate_id)


@router.get("/v1/holders/{holder_code}/mandates", responses=AUTH)
async def list_mandates(
    caller: ConsentManager, holder_code: HolderPath, session: SessionDep, rescode: RescodeDep
) -> MandateList:
    """Mandates the holder granted and those they hold as an agent."""
    return await service.list_for(session, rescode, holder_code)
