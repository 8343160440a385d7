"""``/v1/exemption-lists``: 免证办 batches. Reads are public; publishing needs
``catalog:write``; a published batch cannot be changed (409)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from wuzheng.catalog.auth import WRITE_RESPONSES, CatalogWriter, Responses
from wuzheng.catalog.exemption_lists import service
from wuzheng.catalog.exemption_lists.schemas import (
    ExemptionListDetail,
    ExemptionListDiff,
    ExemptionLists,
    PublishIn,
)
from wuzheng.db import SessionDep
from wuzheng.service import OutboxDep

router = APIRouter(prefix="/v1/exemption-lists", tags=["exemption lists"])

Batch = Annotated[int, Path(ge=1, le=2_147_483_647, description="Batch number")]
NOT_FOUND: Responses = {404: {"description": "No such batch"}}
IMMUTABLE: Responses = {409: {"description": "Published batches are immutable"}}


@router.get("")
async def list_batches(session: SessionDep) -> ExemptionLists:
    """Every published batch, and the current one (the latest)."""
    return await service.overview(session)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        **WRITE_RESPONSES,
        409: {"description": "Batch already published, or not after the latest"},
    },
)
async def publish(
    caller: CatalogWriter, body: PublishIn, session: SessionDep, outbox: OutboxDep
) -> ExemptionListDetail:
    """Publish a batch (the complete list as of its date) and emit
    ``catalog.exemption_list.published``. Unknown or repeated items are a 422 listing them."""
    return await service.publish(session, outbox, body)


@router.get("/current", responses={404: {"description": "Nothing published yet"}})
async def current(session: SessionDep) -> ExemptionListDetail:
    """The list in force: the latest batch, with its items."""
    return await service.current(session)


@router.get("/{batch}", responses=NOT_FOUND)
async def get_batch(batch: Batch, session: SessionDep) -> ExemptionListDetail:
    return await service.detail(session, batch)


@router.get("/{from_batch}/diff/{to_batch}", responses=NOT_FOUND)
async def diff(from_batch: Batch, to_batch: Batch, session: SessionDep) -> ExemptionListDiff:
    """Items added and removed going from one batch to another."""
    return await service.diff(session, from_batch, to_batch)


CHANGE_RESPONSES: Responses = {**WRITE_RESPONSES, **NOT_FOUND, **IMMUTABLE}
CHANGE_DOC = (
    "Published batches are immutable: always 409 for a published batch (404 for an unknown "
    "one). Publish a new batch instead."
)


@router.put("/{batch}", responses=CHANGE_RESPONSES, description=CHANGE_DOC)
async def replace_batch(caller: CatalogWriter, batch: Batch, session: SessionDep) -> None:
    """Replace a published batch (refused)."""
    await service.refuse_change(session, batch)


@router.patch("/{batch}", responses=CHANGE_RESPONSES, description=CHANGE_DOC)
async def update_batch(caller: CatalogWriter, batch: Batch, session: SessionDep) -> None:
    """Change a published batch (refused)."""
    await service.refuse_change(session, batch)


@router.delete("/{batch}", responses=CHANGE_RESPONSES, description=CHANGE_DOC)
async def delete_batch(caller: CatalogWriter, batch: Batch, session: SessionDep) -> None:
    """Withdraw a published batch (refused)."""
    await service.refuse_change(session, batch)
