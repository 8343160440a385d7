"""Reading the field library, with the names and labels of the licence fields it maps to."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.catalog.errors import NotFound
from wuzheng.catalog.fields import repository
from wuzheng.catalog.fields.schemas import FieldSourceOut, StandardFieldOut
from wuzheng.catalog.licence_types import repository as licence_types
from wuzheng.catalog.models import StandardField


async def _out(session: AsyncSession, fields: Sequence[StandardField]) -> list[StandardFieldOut]:
    codes = sorted({s.licence_type_code for f in fields for s in f.sources})
    types = {t.code: t for t in await licence_types.by_codes(session, codes)}
    labels = {code: {f["key"]: str(f["label"]) for f in t.fields} for code, t in types.items()}
    return [
        StandardFieldOut(
            key=field.key,
            label=field.label,
            type=field.type,
            personal=field.personal,
            sources=[
                FieldSourceOut(
                    licence_type=s.licence_type_code,
                    licence_name=types[s.licence_type_code].name,
                    field=s.licence_field,
                    field_label=labels[s.licence_type_code].get(s.licence_field, s.licence_field),
                )
                for s in field.sources
            ],
        )
        for field in fields
    ]


async def list_fields(session: AsyncSession) -> list[StandardFieldOut]:
    return await _out(session, await repository.list_all(session))


async def get_field(session: AsyncSession, key: str) -> StandardFieldOut:
    found = await repository.with_sources(session, [key])
    if not found:
        raise NotFound(f"no field {key!r} in the field library")
    (field,) = await _out(session, found)
    return field
