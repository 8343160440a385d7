"""Rules for items and materials: filters must name known things; a material's mode decides
which of its references are required; a change is announced with the full material list."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.catalog import events
from wuzheng.catalog.data.models import FulfilmentMode, Level
from wuzheng.catalog.departments import repository as departments
from wuzheng.catalog.errors import FieldError, NotFound, invalid
from wuzheng.catalog.exemption_lists import repository as exemption_lists
from wuzheng.catalog.fields import repository as fields
from wuzheng.catalog.items import repository
from wuzheng.catalog.items.repository import ItemFilters
from wuzheng.catalog.items.schemas import (
    FillSource,
    FormField,
    ItemDetail,
    ItemFormFields,
    ItemMaterials,
    ItemPage,
    ItemSummary,
    MaterialIn,
    MaterialOut,
)
from wuzheng.catalog.licence_types import repository as licence_types
from wuzheng.catalog.models import Item, Material
from wuzheng.messaging import Outbox

PROVIDER_MODES: frozenset[FulfilmentMode] = frozenset({"data_sharing", "department_check"})


def search_terms(q: str | None) -> tuple[str, ...]:
    """The whitespace-separated terms of a query, each of which must match."""
    return tuple(dict.fromkeys((q or "").split()))


async def list_items(
    session: AsyncSession,
    *,
    department: str | None = None,
    level: Level | None = None,
    mode: FulfilmentMode | None = None,
    batch: int | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ItemPage:
    """One page of items matching every filter given. A department or batch that does not
    exist is a 422 naming the query parameter (a typo must not look like "no items")."""
    errors: list[FieldError] = []
    if department is not None and not await departments.get(session, department):
        errors.append(
            FieldError("query.department", f"no department {department!r}", "unknown_reference")
        )
    if batch is not None and not await exemption_lists.get(session, batch):
        errors.append(FieldError("query.batch", f"no published batch {batch}", "unknown_reference"))
    if errors:
        raise invalid(errors)
    filters = ItemFilters(
        department=department, level=level, mode=mode, batch=batch, terms=search_terms(q)
    )
    total, rows = await repository.search(session, filters, limit=limit, offset=offset)
    return ItemPage(
        total=total,
        limit=limit,
        offset=offset,
        items=await _summaries(session, rows),
    )


async def _summaries(session: AsyncSession, rows: Sequence[tuple[Item, str]]) -> list[ItemSummary]:
    modes, batches = await repository.modes_and_batches(session, [item.seq_no for item, _ in rows])
    return [
        ItemSummary(
            seq_no=item.seq_no,
            name=item.name,
            department=item.department_code,
            department_name=department_name,
            department_text=item.department_text,
            levels=list(item.levels),
            modes=modes.get(item.seq_no, []),
            batches=batches.get(item.seq_no, []),
        )
        for item, department_name in rows
    ]


async def _item_row(session: AsyncSession, seq_no: int) -> tuple[Item, str]:
    row = await repository.get(session, seq_no)
    if row is None:
        raise NotFound(f"no item {seq_no}")
    return row


async def get_item(session: AsyncSession, seq_no: int) -> ItemDetail:
    row = await _item_row(session, seq_no)
    (summary,) = await _summaries(session, [row])
    materials = await material_list(session, seq_no)
    return ItemDetail(**summary.model_dump(), materials=materials.materials)


async def _materials_out(session: AsyncSession, materials: Sequence[Material]) -> list[MaterialOut]:
    names = await licence_types.names_by_code(
        session, [m.licence_type_code for m in materials if m.licence_type_code]
    )
    return [
        MaterialOut(
            position=m.position,
            name=m.name,
            mode=m.mode,
            licence_type=m.licence_type_code,
            licence_type_name=names.get(m.licence_type_code) if m.licence_type_code else None,
            commitment_text=m.commitment_text,
            provider_department=m.provider_department_code,
            legal_basis=m.legal_basis,
            form_fields=list(m.form_fields),
            origin=m.origin,
        )
        for m in materials
    ]


async def material_list(session: AsyncSession, seq_no: int) -> ItemMaterials:
    if not await repository.exists(session, seq_no):
        raise NotFound(f"no item {seq_no}")
    materials = await repository.materials(session, seq_no)
    return ItemMaterials(seq_no=seq_no, materials=await _materials_out(session, materials))


async def check_materials(session: AsyncSession, materials: Sequence[MaterialIn]) -> None:
    """422 naming every inconsistent or unknown reference in ``materials``."""
    errors: list[FieldError] = []
    known_types = set(
        await licence_types.names_by_code(
            session, [str(m.licence_type) for m in materials if m.licence_type]
        )
    )
    known_departments = await departments.existing_codes(
        session, [m.provider_department for m in materials if m.provider_department]
    )
    known_fields = await fields.existing_keys(
        session, [key for m in materials for key in m.form_fields]
    )
    for index, material in enumerate(materials):
        at = f"body.materials.{index}"
        mode = material.mode
        if mode == "e_licence" and material.licence_type is None:
            errors.append(
                FieldError(f"{at}.licence_type", "required when mode is e_licence", "missing")
            )
        elif mode != "e_licence" and material.licence_type is not None:
            errors.append(
                FieldError(f"{at}.licence_type", "only allowed when mode is e_licence", "extra")
            )
        elif material.licence_type is not None and material.licence_type not in known_types:
            errors.append(
                FieldError(
                    f"{at}.licence_type",
                    f"no licence type {material.licence_type}",
                    "unknown_reference",
                )
            )
        if mode == "commitment" and material.commitment_text is None:
            errors.append(
                FieldError(f"{at}.commitment_text", "required when mode is commitment", "missing")
            )
        elif mode != "commitment" and material.commitment_text is not None:
            errors.append(
                FieldError(f"{at}.commitment_text", "only allowed when mode is commitment", "extra")
            )
        provider = material.provider_department
        if mode in PROVIDER_MODES and provider is None:
            errors.append(
                FieldError(
                    f"{at}.provider_department",
                    "required when mode is data_sharing or department_check",
                    "missing",
                )
            )
        elif mode not in PROVIDER_MODES and provider is not None:
            errors.append(
                FieldError(
                    f"{at}.provider_department",
                    "only allowed when mode is data_sharing or department_check",
                    "extra",
                )
            )
        elif provider is not None and provider not in known_departments:
            errors.append(
                FieldError(
                    f"{at}.provider_department", f"no department {provider!r}", "unknown_reference"
                )
            )
        for position, key in enumerate(material.form_fields):
            if key not in known_fields:
                errors.append(
                    FieldError(
                        f"{at}.form_fields.{position}",
                        f"no field {key!r} in the field library",
                        "unknown_reference",
                    )
                )
    if errors:
        raise invalid(errors)


def _content(material: Material | MaterialIn) -> tuple[object, ...]:
    if isinstance(material, Material):
        return (
            material.name,
            material.mode,
            material.licence_type_code,
            material.commitment_text,
            material.provider_department_code,
            material.legal_basis,
            tuple(material.form_fields),
        )
    return (
        material.name,
        material.mode,
        str(material.licence_type) if material.licence_type else None,
        material.commitment_text,
        material.provider_department,
        material.legal_basis,
        tuple(material.form_fields),
    )


async def replace_materials(
    session: AsyncSession, outbox: Outbox, seq_no: int, new: Sequence[MaterialIn]
) -> tuple[ItemMaterials, bool]:
    """Replace an item's materials (origin ``operator``); returns them and whether anything
    changed. The same list again changes nothing and emits nothing."""
    if not await repository.exists(session, seq_no):
        raise NotFound(f"no item {seq_no}")
    await check_materials(session, new)
    current = await repository.materials(session, seq_no)
    if [_content(m) for m in current] == [_content(m) for m in new]:
        return ItemMaterials(seq_no=seq_no, materials=await _materials_out(session, current)), False
    rows = [
        Material(
            name=m.name,
            mode=m.mode,
            licence_type_code=str(m.licence_type) if m.licence_type else None,
            commitment_text=m.commitment_text,
            provider_department_code=m.provider_department,
            legal_basis=m.legal_basis,
            form_fields=list(m.form_fields),
            origin="operator",
        )
        for m in new
    ]
    await repository.replace_materials(session, seq_no, rows)
    await events.emit(session, outbox, [events.materials_changed(seq_no, rows)])
    return ItemMaterials(seq_no=seq_no, materials=await _materials_out(session, rows)), True


async def form_fields(session: AsyncSession, seq_no: int) -> ItemFormFields:
    """The form fields the item's materials list, and for each the licence fields of the
    item's e-licence materials that can fill it (表单自动填报)."""
    if not await repository.exists(session, seq_no):
        raise NotFound(f"no item {seq_no}")
    materials = await repository.materials(session, seq_no)
    keys = list(dict.fromkeys(key for m in materials for key in m.form_fields))
    library = {f.key: f for f in await fields.with_sources(session, keys)}
    type_codes = sorted({m.licence_type_code for m in materials if m.licence_type_code})
    types = {t.code: t for t in await licence_types.by_codes(session, type_codes)}
    result: list[FormField] = []
    for key in keys:
        field = library.get(key)
        if field is None:  # listed by a material but since removed from the library
            continue
        listing = [m for m in materials if key in m.form_fields]
        fill_from: list[FillSource] = []
        for material in listing:
            licence_type = types.get(material.licence_type_code or "")
            if licence_type is None:
                continue
            labels = {f["key"]: f["label"] for f in licence_type.fields}
            fill_from.extend(
                FillSource(
                    material_position=material.position,
                    material_name=material.name,
                    licence_type=licence_type.code,
                    licence_name=licence_type.name,
                    field=source.licence_field,
                    field_label=labels.get(source.licence_field, source.licence_field),
                )
                for source in field.sources
                if source.licence_type_code == licence_type.code
            )
        result.append(
            FormField(
                key=field.key,
                label=field.label,
                type=field.type,
                personal=field.personal,
                materials=[m.position for m in listing],
                fill_from=fill_from,
            )
        )
    return ItemFormFields(seq_no=seq_no, fields=result)
