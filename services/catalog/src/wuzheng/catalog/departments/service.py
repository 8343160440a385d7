"""Rules for departments: issuer codes are unique, and a change reaches the licence types."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.catalog import events
from wuzheng.catalog.departments import repository
from wuzheng.catalog.departments.schemas import DepartmentDetail, DepartmentIn, LicenceTypeRef
from wuzheng.catalog.errors import IssuerCodeTaken, NotFound
from wuzheng.catalog.licence_types import service as licence_types
from wuzheng.catalog.models import Department
from wuzheng.contracts import EventPayload
from wuzheng.db import utcnow
from wuzheng.messaging import Outbox


async def list_departments(session: AsyncSession) -> Sequence[Department]:
    return await repository.list_all(session)


async def get_department(session: AsyncSession, code: str) -> Department:
    department = await repository.get(session, code)
    if department is None:
        raise NotFound(f"no department {code!r}")
    return department


async def department_detail(session: AsyncSession, code: str) -> DepartmentDetail:
    department = await get_department(session, code)
    issued = await repository.licence_types_issued(session, code)
    return DepartmentDetail(
        code=department.code,
        name=department.name,
        aliases=department.aliases,
        kind=department.kind,
        issuer_code=department.issuer_code,
        issuer_code_placeholder=department.issuer_code_placeholder,
        updated_at=department.updated_at,
        item_count=await repository.count_items(session, code),
        licence_types=[LicenceTypeRef(code=t.code, name=t.name) for t in issued],
    )


async def put_department(
    session: AsyncSession, outbox: Outbox, code: str, new: DepartmentIn
) -> tuple[Department, bool]:
    """Create or replace a department; returns it and whether it was created.

    An unchanged department is left alone and emits nothing. When the name or issuer code
    changes, the licence types it issues are announced again (their events carry the
    issuing departments' names and codes).
    """
    holder = await repository.by_issuer_code(session, str(new.issuer_code))
    if holder is not None and holder.code != code:
        raise IssuerCodeTaken(
            f"department {holder.code!r} already issues under {new.issuer_code}",
            department=holder.code,
        )
    department = await repository.get(session, code)
    created = department is None
    aliases = list(dict.fromkeys(new.aliases)) or [new.name]
    if department is None:
        department = Department(code=code)
        session.add(department)
    else:
        unchanged = (
            department.name == new.name
            and department.aliases == aliases
            and department.kind == new.kind
            and department.issuer_code == new.issuer_code
            and department.issuer_code_placeholder == new.issuer_code_placeholder
        )
        if unchanged:
            return department, False
    issuer_changed = not created and (
        department.name != new.name or department.issuer_code != new.issuer_code
    )
    department.name = new.name
    department.aliases = aliases
    department.kind = new.kind
    department.issuer_code = str(new.issuer_code)
    department.issuer_code_placeholder = new.issuer_code_placeholder
    department.updated_at = utcnow()
    await session.flush()
    announced: list[tuple[EventPayload, str]] = [events.department_upserted(department)]
    if issuer_changed:
        announced += await licence_types.events_for_issuer(session, code)
    await events.emit(session, outbox, announced)
    return department, created
