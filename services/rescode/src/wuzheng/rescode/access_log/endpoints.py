"""``/v1/holders/{holder_code}/access-log``: who used my data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from wuzheng.db import SessionDep
from wuzheng.rescode.access_log import service
from wuzheng.rescode.access_log.schemas import AccessLog
from wuzheng.rescode.auth import WalletReader, auth_responses
from wuzheng.rescode.context import RescodeDep
from wuzheng.rescode.paths import HolderPath

router = APIRouter(tags=["access log"])


@router.get("/v1/holders/{holder_code}/access-log", responses=auth_responses("wallet:read"))
async def get_access_log(
    caller: WalletReader,
    holder_code: HolderPath,
    session: SessionDep,
    rescode: RescodeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before_seq: Annotated[int | None, Query(ge=1, description="Page cursor")] = None,
) -> AccessLog:
    """Every scan of the holder's code, verification and evidence request about them:
    department, operator, item, purpose, time and result, newest first. The log is
    hash-chained per holder; ``chain.intact`` says whether every hash still matches."""
    return await service.access_log(
        session, rescode.vault, holder_code, limit=limit, before_seq=before_seq
    )
