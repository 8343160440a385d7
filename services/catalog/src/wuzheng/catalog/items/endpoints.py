"""``/v1/items``: search and read service items and their materials; operators (scope
``catalog:write``) replace an item's materials."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from wuzheng.catalog.auth import WRITE_RESPONSES, CatalogWriter, Responses
from wuzheng.catalog.data.models import FulfilmentMode, Level
from wuzheng.catalog.departments.schemas import DEPARTMENT_CODE_PATTERN
from wuzheng.catalog.items import service
from wuzheng.catalog.items.schemas import (
    ItemDetail,
    ItemFormFields,
    ItemMaterials,
    ItemPage,
    MaterialsIn,
)
from wuzheng.db import SessionDep
from wuzheng.service import OutboxDep

router = APIRouter(prefix="/v1/items", tags=["items"])

SeqNo = Annotated[int, Path(ge=1, le=2_147_483_647, description="序号 of the item")]
NOT_FOUND: Responses = {404: {"description": "No such item"}}


@router.get("")
async def list_items(
    session: SessionDep,
    department: Annotated[
        str | None,
        Query(pattern=DEPARTMENT_CODE_PATTERN, max_length=64, description="Department code"),
    ] = None,
    level: Annotated[Level | None, Query(description="行使层级: 市级 or 县级")] = None,
    mode: Annotated[
        FulfilmentMode | None,
        Query(description="Items having at least one material fulfilled this way"),
    ] = None,
    batch: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="Items listed in this batch")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Chinese substring search over the item name and its department's "
            "names; several whitespace-separated terms must all match",
            examples=["护照"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ItemPage:
    """Items matching every given filter, by ``seq_no``, one page at a time; ``total``
    counts all matches. An unknown department or batch is a 422 naming it."""
    return await service.list_items(
        session,
        department=department,
        level=level,
        mode=mode,
        batch=batch,
        q=q,
        limit=limit,
        offset=offset,
    )


@router.get("/{seq_no}", responses=NOT_FOUND)
async def get_item(seq_no: SeqNo, session: SessionDep) -> ItemDetail:
    """One item with its materials."""
    return await service.get_item(session, seq_no)


@router.get("/{seq_no}/materials", responses=NOT_FOUND)
async def get_materials(seq_no: SeqNo, session: SessionDep) -> ItemMaterials:
    """The item's materials in order, each with its fulfilment mode."""
    return await service.material_list(session, seq_no)


@router.put("/{seq_no}/materials", responses={**WRITE_RESPONSES, **NOT_FOUND})
async def put_materials(
    caller: CatalogWriter,
    seq_no: SeqNo,
    body: MaterialsIn,
    session: SessionDep,
    outbox: OutboxDep,
) -> ItemMaterials:
    """Replace the item's materials (they become ``origin: operator``) and emit
    ``catalog.item.materials_changed`` with the full list; an identical list changes nothing.
    Unknown licence types, departments or form fields, and references the mode does not
    allow or requires, are a 422 naming each field."""
    materials, _ = await service.replace_materials(session, outbox, seq_no, body.materials)
    return materials


@router.get("/{seq_no}/form-fields", responses=NOT_FOUND)
async def get_form_fields(seq_no: SeqNo, session: SessionDep) -> ItemFormFields:
    """Which standard form fields the item's materials fill, and from which licence fields
    of its e-licence materials (表单自动填报)."""
    return await service.form_fields(session, seq_no)
