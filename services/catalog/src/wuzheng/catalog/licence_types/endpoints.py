"""``/v1/licence-types``: public reads."""

from __future__ import annotations

from fastapi import APIRouter

from wuzheng.catalog.licence_types import service
from wuzheng.catalog.licence_types.schemas import LicenceTypeDetail, LicenceTypeSummary
from wuzheng.contracts import LicenceTypeCode
from wuzheng.db import SessionDep

router = APIRouter(prefix="/v1/licence-types", tags=["licence types"])


@router.get("")
async def list_licence_types(session: SessionDep) -> list[LicenceTypeSummary]:
    """Every licence type (the 50 of 附件2 first), without field schemas."""
    return await service.list_licence_types(session)


@router.get("/{code}", responses={404: {"description": "No such licence type"}})
async def get_licence_type(code: LicenceTypeCode, session: SessionDep) -> LicenceTypeDetail:
    """One licence type with its field schema; 422 when ``code`` is not 21 × [0-9A-Z]."""
    return await service.get_licence_type(session, code)
