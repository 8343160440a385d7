"""``/v1/fields``: the field library (public reads)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from wuzheng.catalog.fields import service
from wuzheng.catalog.fields.schemas import StandardFieldOut
from wuzheng.catalog.items.schemas import FIELD_KEY_PATTERN
from wuzheng.db import SessionDep

router = APIRouter(prefix="/v1/fields", tags=["field library"])


@router.get("")
async def list_fields(session: SessionDep) -> list[StandardFieldOut]:
    """Every standard form field with the licence fields it can be filled from."""
    return await service.list_fields(session)


@router.get("/{key}", responses={404: {"description": "No such field"}})
async def get_field(
    key: Annotated[str, Path(pattern=FIELD_KEY_PATTERN, max_length=64)], session: SessionDep
) -> StandardFieldOut:
    return await service.get_field(session, key)
