"""SQL of the catalogue read model: event upserts and the lookups verification needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts.events.catalog import (
    DepartmentUpserted,
    FieldUpserted,
    ItemMaterialsChanged,
    ItemUpserted,
    LicenceTypeUpserted,
)
from wuzheng.verification.catalog.models import (
    CatalogDepartment,
    CatalogField,
    CatalogItem,
    CatalogLicenceType,
)
from wuzheng.verification.catalog.views import ItemView, LicenceTypeView, MaterialView


def _newer(stored: dt.datetime | None, incoming: dt.datetime) -> bool:
    return stored is None or incoming >= stored


async def upsert_department(
    session: AsyncSession, event: DepartmentUpserted, at: dt.datetime
) -> None:
    row = await session.get(CatalogDepartment, event.code)
    if row is None:
        row = CatalogDepartment(code=event.code)
        session.add(row)
    elif not _newer(row.event_time, at):
        return
    row.name = event.name
    row.issuer_code = str(event.issuer_code)
    row.event_time = at


async def upsert_licence_type(
    session: AsyncSession, event: LicenceTypeUpserted, at: dt.datetime
) -> None:
    row = await session.get(CatalogLicenceType, str(event.code))
    if row is None:
        row = CatalogLicenceType(code=str(event.code))
        session.add(row)
    elif not _newer(row.event_time, at):
        return
    row.name = event.name
    row.holder_kind = event.holder_kind
    row.issuer_codes = [str(d.issuer_code) for d in event.issuing_departments]
    row.fields = [spec.model_dump(mode="json") for spec in event.fields]
    row.event_time = at


async def _item_row(session: AsyncSession, seq_no: int) -> CatalogItem:
    row = await session.get(CatalogItem, seq_no)
    if row is None:
        row = CatalogItem(seq_no=seq_no)
        session.add(row)
    return row


async def upsert_item(session: AsyncSession, event: ItemUpserted, at: dt.datetime) -> None:
    row = await _item_row(session, event.seq_no)
    if not _newer(row.event_time, at):
        return
    row.name = event.name
    row.department = event.department
    row.event_time = at


async def replace_materials(
    session: AsyncSession, event: ItemMaterialsChanged, at: dt.datetime
) -> None:
    row = await _item_row(session, event.seq_no)
    if not _newer(row.materials_event_time, at):
        return
    row.materials = [m.model_dump(mode="json") for m in event.materials]
    row.materials_event_time = at


async def upsert_field(session: AsyncSession, event: FieldUpserted, at: dt.datetime) -> None:
    row = await session.get(CatalogField, event.key)
    if row is None:
        row = CatalogField(key=event.key)
        session.add(row)
    elif not _newer(row.event_time, at):
        return
    row.label = event.label
    row.personal = event.personal
    row.sources = [s.model_dump(mode="json") for s in event.sources]
    row.event_time = at


async def load_item(session: AsyncSession, seq_no: int) -> ItemView | None:
    row = await session.get(CatalogItem, seq_no)
    if row is None:
        return None
    materials = tuple(
        MaterialView(
            position=int(m["position"]),
            name=str(m["name"]),
            mode=str(m["mode"]),
            licence_type=m.get("licence_type"),
            commitment_text=m.get("commitment_text"),
            provider_department=m.get("provider_department"),
            legal_basis=str(m.get("legal_basis", "")),
            form_fields=tuple(m.get("form_fields", ())),
        )
        for m in sorted(row.materials or [], key=lambda m: int(m["position"]))
    )
    keys = sorted({key for m in materials for key in m.form_fields})
    sources: dict[str, dict[str, str]] = {}
    personal: set[str] = set()
    if keys:
        fields = await session.scalars(sa.select(CatalogField).where(CatalogField.key.in_(keys)))
        for spec in fields:
            sources[spec.key] = {s["licence_type"]: s["field"] for s in spec.sources}
            if spec.personal:
                personal.add(spec.key)
    return ItemView(
        seq_no=row.seq_no,
        name=row.name,
        department=row.department,
        materials=materials,
        field_sources=sources,
        personal_fields=frozenset(personal),
    )


async def load_licence_type(session: AsyncSession, code: str) -> LicenceTypeView | None:
    row = await session.get(CatalogLicenceType, code)
    if row is None:
        return None
    return LicenceTypeView(
        code=row.code,
        name=row.name,
        holder_kind=row.holder_kind,
        issuer_codes=tuple(row.issuer_codes),
        personal_fields=frozenset(f["key"] for f in row.fields if f.get("personal")),
    )


async def department_names(
    session: AsyncSession, codes: Sequence[str] | None = None
) -> dict[str, str]:
    query = sa.select(CatalogDepartment.code, CatalogDepartment.name)
    if codes is not None:
        query = query.where(CatalogDepartment.code.in_(list(codes)))
    return {str(code): str(name) for code, name in (await session.execute(query)).all()}


async def department_by_issuer(session: AsyncSession, issuer_code: str) -> CatalogDepartment | None:
    return await session.scalar(
        sa.select(CatalogDepartment).where(CatalogDepartment.issuer_code == issuer_code).limit(1)
    )


async def licence_type_names(session: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await session.execute(
        sa.select(CatalogLicenceType.code, CatalogLicenceType.name).where(
            CatalogLicenceType.code.in_(list(codes))
        )
    )
    return {str(code): str(name) for code, name in rows.all()}


async def item_names(session: AsyncSession, seq_nos: Sequence[int]) -> dict[int, str]:
    if not seq_nos:
        return {}
    rows = await session.execute(
        sa.select(CatalogItem.seq_no, CatalogItem.name).where(CatalogItem.seq_no.in_(list(seq_nos)))
    )
    return {seq: name for seq, name in rows.all() if name is not None}
