"""Exports round-trip: CSV and JSON read back into exactly the rows in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import get_args

import pytest
from pydantic import BaseModel

from wuzheng.catalog.app import DEFINITION
from wuzheng.catalog.data import load_departments, load_items, load_licence_types
from wuzheng.catalog.export import (
    ExportFormat,
    ExportKind,
    export_rows,
    export_text,
    parse_export,
)
from wuzheng.catalog.importer import import_catalog
from wuzheng.db import Database, migrate
from wuzheng.messaging import Outbox

EXPECTED: dict[str, tuple[BaseModel, ...]] = {
    "items": load_items(),
    "departments": load_departments(),
    "licence-types": load_licence_types(),
}


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await migrate(database_url, DEFINITION.migrations_package)
    database = Database(database_url)
    async with database.transaction() as session:
        await import_catalog(session, Outbox())
    try:
        yield database
    finally:
        await database.stop()


@pytest.mark.parametrize("fmt", get_args(ExportFormat))
@pytest.mark.parametrize("kind", get_args(ExportKind))
async def test_round_trip(database: Database, kind: ExportKind, fmt: ExportFormat) -> None:
    async with database.sessionmaker() as session:
        rows = await export_rows(session, kind)
        text = await export_text(session, kind, fmt)
    assert tuple(rows) == EXPECTED[kind]
    assert parse_export(kind, fmt, text) == list(EXPECTED[kind])
    assert "残疾人" in text  # UTF-8, not escaped


async def test_csv_shape(database: Database) -> None:
    async with database.sessionmaker() as session:
        items = await export_text(session, "items", "csv")
        departments = await export_text(session, "departments", "csv")
    lines = items.splitlines()
    assert lines[0] == "seq_no,department,department_text,name,levels"
    assert lines[1] == "1,disabled-persons-federation,残联,残疾人证注销,县级"
    assert len(lines) == 665
    assert any(line.endswith(",市级|县级") for line in lines)
    assert (
        "natural-resources,安丘市自然资源和规划局,"
        "自然资源局|自然资源局 规划局|自然资源部门|自然资源和规划部门|市自然资源和规划局,"
        "government,11370784PH5267111X,true"
    ) in departments


def test_reading_the_wrong_export_fails() -> None:
    with pytest.raises(ValueError, match="columns"):
        parse_export("items", "csv", "code,name\nx,y\n")
    with pytest.raises(ValueError, match="not 'items'"):
        parse_export("items", "json", '{"kind": "departments", "rows": []}')
    with pytest.raises(ValueError, match="true or false"):
        parse_export(
            "departments",
            "csv",
            "code,name,aliases,kind,issuer_code,issuer_code_placeholder\n"
            "a,b,c,government,11370784PH40135152,yes\n",
        )
