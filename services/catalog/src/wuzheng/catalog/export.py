"""Export the catalogue from the database as CSV or JSON, and read such an export back.

Rows have the shape of the bundled data files (:mod:`wuzheng.catalog.data.models`), so an
export validates against the same models and round-trips:

- ``items``: ``seq_no, department, department_text, name, levels``
- ``departments``: ``code, name, aliases, kind, issuer_code, issuer_code_placeholder``
- ``licence-types``: ``code, seq_no, name, issuing_departments, data_levels, holder_kind,
  fields``

JSON is ``{"kind", "exported_at", "count", "rows": [...]}``, UTF-8, not escaped. In CSV
(UTF-8, a header row) list cells are joined with ``|``, booleans are ``true``/``false`` and a
licence type's ``fields`` is a JSON array.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any, Literal, get_args

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from wuzheng.catalog import data
from wuzheng.catalog.models import Department, Item, LicenceType
from wuzheng.db import utcnow

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_KINDS",
    "ExportFormat",
    "ExportKind",
    "export_rows",
    "export_text",
    "parse_export",
    "render",
]

ExportKind = Literal["items", "departments", "licence-types"]
ExportFormat = Literal["csv", "json"]
EXPORT_KINDS: tuple[ExportKind, ...] = get_args(ExportKind)
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)

LIST_SEPARATOR = "|"

_MODELS: dict[ExportKind, type[BaseModel]] = {
    "items": data.Item,
    "departments": data.Department,
    "licence-types": data.LicenceType,
}
_COLUMNS: dict[ExportKind, tuple[str, ...]] = {
    "items": ("seq_no", "department", "department_text", "name", "levels"),
    "departments": ("code", "name", "aliases", "kind", "issuer_code", "issuer_code_placeholder"),
    "licence-types": (
        "code",
        "seq_no",
        "name",
        "issuing_departments",
        "data_levels",
        "holder_kind",
        "fields",
    ),
}
_LIST_COLUMNS = frozenset({"levels", "aliases", "issuing_departments", "data_levels"})
_BOOL_COLUMNS = frozenset({"issuer_code_placeholder"})
_JSON_COLUMNS = frozenset({"fields"})


async def export_rows(session: AsyncSession, kind: ExportKind) -> list[BaseModel]:
    """The rows of ``kind`` as data-file models, in the files' order."""
    if kind == "items":
        items = await session.scalars(sa.select(Item).order_by(Item.seq_no))
        return [
            data.Item(
                seq_no=i.seq_no,
                department=i.department_code,
                department_text=i.department_text,
                name=i.name,
                levels=i.levels,
            )
            for i in items
        ]
    if kind == "departments":
        departments = await session.scalars(sa.select(Department).order_by(Department.code))
        return [
            data.Department(
                code=d.code,
                name=d.name,
                aliases=tuple(d.aliases),
                kind=d.kind,
                issuer_code=d.issuer_code,
                issuer_code_placeholder=d.issuer_code_placeholder,
            )
            for d in departments
        ]
    types = await session.scalars(
        sa.select(LicenceType)
        .options(selectinload(LicenceType.issuers))
        .order_by(LicenceType.seq_no)
    )
    return [
        data.LicenceType(
            code=t.code,
            seq_no=t.seq_no,
            name=t.name,
            issuing_departments=tuple(i.department_code for i in t.issuers),
            data_levels=tuple(t.data_levels),
            holder_kind=t.holder_kind,
            fields=tuple(data.LicenceField.model_validate(f) for f in t.fields),
        )
        for t in types
    ]


def _cell(column: str, value: Any) -> str:
    if column in _LIST_COLUMNS:
        return LIST_SEPARATOR.join(value)
    if column in _BOOL_COLUMNS:
        return "true" if value else "false"
    if column in _JSON_COLUMNS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def render(kind: ExportKind, fmt: ExportFormat, rows: Sequence[BaseModel]) -> str:
    """The text of an export."""
    dumped = [row.model_dump(mode="json") for row in rows]
    if fmt == "json":
        document = {
            "kind": kind,
            "exported_at": utcnow().isoformat(),
            "count": len(dumped),
            "rows": dumped,
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    columns = _COLUMNS[kind]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in dumped:
        writer.writerow([_cell(column, row[column]) for column in columns])
    return out.getvalue()


async def export_text(session: AsyncSession, kind: ExportKind, fmt: ExportFormat) -> str:
    return render(kind, fmt, await export_rows(session, kind))


def _value(column: str, cell: str) -> Any:
    if column in _LIST_COLUMNS:
        return [part for part in cell.split(LIST_SEPARATOR) if part]
    if column in _BOOL_COLUMNS:
        if cell not in ("true", "false"):
            raise ValueError(f"{column} must be true or false, got {cell!r}")
        return cell == "true"
    if column in _JSON_COLUMNS:
        return json.loads(cell)
    return cell


def parse_export(kind: ExportKind, fmt: ExportFormat, text: str) -> list[BaseModel]:
    """Read an export back into validated data-file models (``ValueError`` if it does not
    fit)."""
    model = _MODELS[kind]
    if fmt == "json":
        document = json.loads(text)
        if document.get("kind") != kind:
            raise ValueError(f"this is an export of {document.get('kind')!r}, not {kind!r}")
        return [model.model_validate(row) for row in document["rows"]]
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    expected = list(_COLUMNS[kind])
    if reader.fieldnames != expected:
        raise ValueError(f"expected the columns {expected}, got {reader.fieldnames}")
    return [
        model.model_validate({column: _value(column, row[column]) for column in expected})
        for row in reader
    ]
