"""``/v1/holders/{holder_code}/wallet``: the holder's licences (电子卡包)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from wuzheng.db import SessionDep
from wuzheng.rescode.auth import WalletReader, auth_responses
from wuzheng.rescode.context import RescodeDep
from wuzheng.rescode.paths import HolderPath
from wuzheng.rescode.wallet import service
from wuzheng.rescode.wallet.schemas import Wallet

router = APIRouter(tags=["wallet"])


@router.get("/v1/holders/{holder_code}/wallet", responses=auth_responses("wallet:read"))
async def get_wallet(
    caller: WalletReader,
    holder_code: HolderPath,
    session: SessionDep,
    rescode: RescodeDep,
    include_superseded: Annotated[
        bool, Query(description="Also list versions a newer version replaced")
    ] = False,
) -> Wallet:
    """The holder's licences as the ``certificate.*`` events describe them: status (with
    the GB/T 36903 code), validity, objections under way (``dispute.case.*``), seals still
    missing for a jointly sealed licence. Built from events only; an unknown holder has an
    empty wallet."""
    return await service.wallet(
        session, rescode, holder_code, include_superseded=include_superseded
    )
