"""Reproducible parser of the plan's lists into the catalog's data files.

``python -m wuzheng.catalog.seed --source <plan text> --out <data dir>`` reads the plan text
(附件1, 附件2), cleans it (see :mod:`.items` and :mod:`.licences` for the rules and the README
for the list of corrections) and writes ``departments.json``, ``items.json``,
``licences.json`` and ``licence_types.json`` into ``wuzheng/catalog/data``. ``--check``
compares instead of writing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from wuzheng.catalog.data import (
    DEPARTMENTS_FILE,
    ITEMS_FILE,
    LICENCE_TYPES_FILE,
    LICENCES_FILE,
)
from wuzheng.catalog.data.models import (
    SCHEMA_VERSION,
    Department,
    Item,
    Licence,
    LicenceType,
)
from wuzheng.catalog.seed._plan_text import (
    CORRECTION_KINDS,
    SEED_FILE_NAME,
    Correction,
    CorrectionLog,
    PlanFormatError,
    PlanText,
    compress_ranges,
)
from wuzheng.catalog.seed.departments import DepartmentResolver, build_departments
from wuzheng.catalog.seed.items import parse_items
from wuzheng.catalog.seed.licence_types import build_licence_types
from wuzheng.catalog.seed.licences import parse_licences

__all__ = [
    "SEED_FILE_NAME",
    "Correction",
    "CorrectionLog",
    "ParsedPlan",
    "PlanFormatError",
    "PlanText",
    "corrections_summary",
    "parse_plan",
    "render_data_files",
]


@dataclass(frozen=True)
class ParsedPlan:
    plan: PlanText
    departments: list[Department]
    items: list[Item]
    licences: list[Licence]
    licence_types: list[LicenceType]
    corrections: CorrectionLog


def parse_plan(plan: PlanText) -> ParsedPlan:
    """Parse 附件1 and 附件2 and derive departments and licence types."""
    log = CorrectionLog()
    resolver = DepartmentResolver()
    items, item_departments = parse_items(plan, resolver, log)
    licences, licence_departments = parse_licences(plan, resolver, log)
    departments = build_departments(plan, item_departments | licence_departments)
    return ParsedPlan(
        plan=plan,
        departments=departments,
        items=items,
        licences=licences,
        licence_types=build_licence_types(licences, departments),
        corrections=log,
    )


def _document(plan: PlanText, rows: list[Any]) -> str:
    payload = {
        "source": plan.name,
        "source_sha256": plan.sha256,
        "schema_version": SCHEMA_VERSION,
        "rows": [r.model_dump(mode="json") if isinstance(r, BaseModel) else r for r in rows],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def render_data_files(parsed: ParsedPlan) -> dict[str, str]:
    """File name → exact file content of every generated data file."""
    plan = parsed.plan
    return {
        DEPARTMENTS_FILE: _document(plan, sorted(parsed.departments, key=lambda d: d.code)),
        ITEMS_FILE: _document(plan, sorted(parsed.items, key=lambda i: i.seq_no)),
        LICENCES_FILE: _document(plan, sorted(parsed.licences, key=lambda lic: lic.seq_no)),
        LICENCE_TYPES_FILE: _document(plan, sorted(parsed.licence_types, key=lambda t: t.seq_no)),
    }


GENERAL_KINDS = frozenset({"page_header", "department_inherited", "department_alias"})
"""Corrections applied to so many rows that the summary gives a count, not the seq_nos."""


def corrections_summary(log: CorrectionLog) -> list[str]:
    """One line per (table, kind) with the affected seq_nos, as listed in the README."""
    lines: list[str] = []
    for table in ("附件1", "附件2"):
        for kind in CORRECTION_KINDS:
            count = log.count(table, kind)
            if not count:
                continue
            seq_nos = log.seq_nos(table, kind)
            if kind in GENERAL_KINDS or not seq_nos:
                where = f"{count}×"
            else:
                where = f"序号 {compress_ranges(seq_nos)}"
            lines.append(f"{table} `{kind}`: {where}")
    return lines
