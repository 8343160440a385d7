"""``/v1/departments``: public reads; PUT (``catalog:write``) creates or replaces one."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from wuzheng.catalog.auth import WRITE_RESPONSES, CatalogWriter
from wuzheng.catalog.departments import service
from wuzheng.catalog.departments.schemas import (
    DepartmentCodePath,
    DepartmentDetail,
    DepartmentIn,
    DepartmentOut,
)
from wuzheng.db import SessionDep
from wuzheng.service import OutboxDep

router = APIRouter(prefix="/v1/departments", tags=["departments"])


@router.get("")
async def list_departments(session: SessionDep) -> list[DepartmentOut]:
    """Every department and public-service unit, by code."""
    return [
        DepartmentOut.model_validate(d, from_attributes=True)
        for d in await service.list_departments(session)
    ]


@router.get("/{code}", responses={404: {"description": "No such department"}})
async def get_department(code: DepartmentCodePath, session: SessionDep) -> DepartmentDetail:
    """One department with its item count and the licence types it issues."""
    return await service.department_detail(session, code)


@router.put(
    "/{code}",
    responses={
        **WRITE_RESPONSES,
        201: {"description": "Created"},
        409: {"description": "Another department has this issuer code"},
    },
)
async def put_department(
    caller: CatalogWriter,
    code: DepartmentCodePath,
    body: DepartmentIn,
    session: SessionDep,
    outbox: OutboxDep,
    response: Response,
) -> DepartmentOut:
    """Create or replace a department, e.g. to put its real USCC in place of the placeholder
    (``issuer_code`` is validated, GB 32100 check character included). Emits
    ``catalog.department.upserted`` and, when the name or issuer code changed,
    ``catalog.licence_type.upserted`` for each licence type it issues."""
    department, created = await service.put_department(session, outbox, code, body)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return DepartmentOut.model_validate(department, from_attributes=True)
