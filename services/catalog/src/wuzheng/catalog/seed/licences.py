"""附件2 (第一批常用电子证照证明清单): 50 rows of 序号 / 证照证明名称 / 制证部门 / 数据责任层级.

The table is clean apart from a page break (blank line) and the repeated header, but the same
rules as for 附件1 are applied so that a damaged re-extraction fails loudly instead of yielding
wrong rows: every row must have exactly a name, a department cell and a level cell; the
department cell is an enumeration (``市场监管部门、行政审批服务部门``) whose parts must each
resolve to a known department; the level cell is ``省级``, ``市级`` or both.
"""

from __future__ import annotations

from typing import Literal

from wuzheng.catalog.data.models import Licence
from wuzheng.catalog.seed._plan_text import (
    CorrectionLog,
    PlanFormatError,
    PlanText,
    TableLine,
    parse_data_levels,
    remove_cjk_spaces,
    section_lines,
    split_list,
    split_trailing_page_number,
    table_lines,
)
from wuzheng.catalog.seed.departments import DepartmentResolver

TABLE: Literal["附件2"] = "附件2"
HEADER = ("序号", "证照证明名称", "制证部门", "数据责任层级")


def annex2_lines(plan: PlanText) -> list[TableLine]:
    first, lines = section_lines(
        plan, heading="附件 2", title="第一批常用电子证照证明清单", end_heading="附件 3"
    )
    return table_lines(lines, first)


def parse_licences(
    plan: PlanText, resolver: DepartmentResolver, log: CorrectionLog
) -> tuple[list[Licence], set[str]]:
    """Parse 附件2; returns the licences and the department names it used."""
    licences: list[Licence] = []
    used_departments: set[str] = set()
    for line in annex2_lines(plan):
        where = f"附件2, line {line.line_no}"
        if line.is_header:
            if line.cells[: len(HEADER)] != HEADER:
                raise PlanFormatError(f"{where}: unexpected header {line.cells}")
            if licences:  # the first header is the table's own; later ones repeat it
                log.add(TABLE, "page_header", None, f"line {line.line_no}")
            continue
        seq_no = line.seq_no
        cells = [c for _, c in line.positioned()]
        if seq_no is None or len(cells) != 3:
            raise PlanFormatError(f"{where}: expected 序号 + 3 cells, got {line.cells}")
        raw_name, dept_cell, level_cell = cells
        name, page_number = split_trailing_page_number(raw_name)
        if page_number is not None:
            log.add(TABLE, "stray_page_number", seq_no, f"removed {page_number!r}")
        spaced = name
        name = remove_cjk_spaces(name)
        if name != spaced:
            log.add(TABLE, "spaces_removed", seq_no, f"{spaced!r} → {name!r}")
        codes: list[str] = []
        for part in split_list(dept_cell):
            code = resolver.require(part, where=where)
            if part not in used_departments:
                log.add(TABLE, "department_alias", None, f"{part!r} → {code}")
                used_departments.add(part)
            if code not in codes:
                codes.append(code)
        licences.append(
            Licence(
                seq_no=seq_no,
                name=name,
                issuing_departments=tuple(codes),
                issuing_departments_text=dept_cell,
                data_levels=parse_data_levels(level_cell),
            )
        )
    seq_nos = [lic.seq_no for lic in licences]
    if seq_nos != list(range(1, len(licences) + 1)):
        raise PlanFormatError(f"附件2: 序号 not contiguous from 1: {seq_nos}")
    names = [lic.name for lic in licences]
    if len(set(names)) != len(names):
        raise PlanFormatError("附件2: duplicate licence names")
    return licences, used_departments
