"""附件1 (第一批电子证照证明免提交事项清单): 664 rows of 序号 / 市直部门 / 涉及事项 / 行使层级.

Rules, applied to every line of the table (no row-specific overrides are needed):

1. A line whose first cell is ``序号`` is the column header repeated at the top of a page:
   dropped. Blank lines (page breaks) are dropped.
2. A line whose first cell is a number is a row. Its non-empty cells after the number are
   taken **in order, whatever column they sit in**: cells that are a 行使层级 (``县级``,
   ``市级、县级``) are the levels; of the other cells, two mean (department, item), one means
   (item) with the department of the row above. So a department pushed into the item column, an
   item pushed into the department or level column, or a level pushed into the item column all
   come out right; such rows are logged as ``column_shift``.
3. A row with no level cell gets an empty ``levels`` list (the plan gives none; nothing is
   guessed) and is logged as ``level_missing``.
4. A line with an empty first cell and a single text cell continues the previous row's item
   name across a page break (``…企业设立分公司的`` + ``备案``): appended, ``page_break_split``.
5. A trailing, space-separated number on a cell is a stray page number: removed,
   ``stray_page_number``.
6. Spaces next to Chinese characters are extraction artefacts: removed, ``spaces_removed``.
7. The department cell must resolve to a known department (so an item name can never be taken
   for a department): the canonical code is stored, the cell text kept in ``department_text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from wuzheng.catalog.data.models import Item, Level
from wuzheng.catalog.seed._plan_text import (
    CorrectionLog,
    PlanFormatError,
    PlanText,
    TableLine,
    is_item_level,
    parse_item_levels,
    remove_cjk_spaces,
    section_lines,
    split_trailing_page_number,
    table_lines,
)
from wuzheng.catalog.seed.departments import DepartmentResolver

TABLE: Literal["附件1"] = "附件1"
HEADER = ("序号", "市直部门", "涉及事项", "行使层级")
_CANONICAL = {"department": 1, "name": 2, "level": 3}


@dataclass
class _Draft:
    seq_no: int
    department: str
    department_text: str
    name: str
    levels: tuple[Level, ...]


@dataclass
class _State:
    drafts: list[_Draft] = field(default_factory=list)
    department: tuple[str, str] | None = None
    """(code, cell text) of the department in force."""
    used_departments: set[str] = field(default_factory=set)


def annex1_lines(plan: PlanText) -> list[TableLine]:
    first, lines = section_lines(
        plan, heading="附件 1", title="第一批电子证照证明免提交事项清单", end_heading="附件 2"
    )
    return table_lines(lines, first)


def _clean_cell(text: str, seq_no: int, log: CorrectionLog) -> str:
    cleaned, page_number = split_trailing_page_number(text)
    if page_number is not None:
        log.add(TABLE, "stray_page_number", seq_no, f"removed {page_number!r} from {text!r}")
    spaced = cleaned
    cleaned = remove_cjk_spaces(cleaned)
    if cleaned != spaced:
        log.add(TABLE, "spaces_removed", seq_no, f"{spaced!r} → {cleaned!r}")
    return cleaned


def parse_items(
    plan: PlanText, resolver: DepartmentResolver, log: CorrectionLog
) -> tuple[list[Item], set[str]]:
    """Parse 附件1; returns the items and the department cell texts it used."""
    state = _State()
    for line in annex1_lines(plan):
        where = f"附件1, line {line.line_no}"
        if line.is_header:
            if line.cells[: len(HEADER)] != HEADER:
                raise PlanFormatError(f"{where}: unexpected header {line.cells}")
            if state.drafts:  # the first header is the table's own; later ones repeat it
                log.add(TABLE, "page_header", None, f"line {line.line_no}")
        elif line.seq_no is None:
            _append_fragment(line, state, log, where)
        elif line.is_stray_number:
            log.add(TABLE, "stray_page_number", None, f"line {line.line_no}: {line.cells[0]!r}")
        else:
            state.drafts.append(
                _read_row(
                    line, seq_no=line.seq_no, state=state, resolver=resolver, log=log, where=where
                )
            )

    seq_nos = [d.seq_no for d in state.drafts]
    if seq_nos != list(range(1, len(seq_nos) + 1)):
        raise PlanFormatError(f"附件1: 序号 not contiguous from 1: {seq_nos}")
    items = [
        Item(
            seq_no=d.seq_no,
            department=d.department,
            department_text=d.department_text,
            name=d.name,
            levels=d.levels,
        )
        for d in state.drafts
    ]
    return items, state.used_departments


def _append_fragment(line: TableLine, state: _State, log: CorrectionLog, where: str) -> None:
    """Rule 4: an unnumbered single-cell line continues the previous item's name."""
    cells = line.positioned()
    if line.cells[0] or len(cells) != 1 or is_item_level(cells[0][1]) or not state.drafts:
        raise PlanFormatError(f"{where}: unnumbered line {line.cells} is not a fragment")
    previous = state.drafts[-1]
    fragment = _clean_cell(cells[0][1], previous.seq_no, log)
    log.add(
        TABLE,
        "page_break_split",
        previous.seq_no,
        f"{previous.name!r} + {fragment!r} (line {line.line_no})",
    )
    previous.name += fragment


def _read_row(
    line: TableLine,
    *,
    seq_no: int,
    state: _State,
    resolver: DepartmentResolver,
    log: CorrectionLog,
    where: str,
) -> _Draft:
    """Rules 2, 3 and 7: read a numbered row whatever columns its cells sit in."""
    cells = line.positioned()
    level_cells = [(i, c) for i, c in cells if is_item_level(c)]
    text_cells = [(i, c) for i, c in cells if not is_item_level(c)]
    if len(level_cells) > 1:
        raise PlanFormatError(f"{where}: several level cells {level_cells}")
    levels = parse_item_levels(level_cells[0][1]) if level_cells else ()

    dept_col: int | None = None
    if len(text_cells) == 2:
        (dept_col, dept_text), (name_col, raw_name) = text_cells
        code = resolver.require(dept_text, where=where)
        state.department = (code, dept_text)
        if dept_text not in state.used_departments:
            log.add(TABLE, "department_alias", None, f"{dept_text!r} → {code}")
            state.used_departments.add(dept_text)
    elif len(text_cells) == 1:
        name_col, raw_name = text_cells[0]
        if state.department is None:
            raise PlanFormatError(f"{where}: first row has no department")
        log.add(TABLE, "department_inherited", seq_no, state.department[1])
    else:
        raise PlanFormatError(f"{where}: cannot read {line.cells}")
    if resolver.resolve(raw_name) is not None:
        raise PlanFormatError(f"{where}: item name {raw_name!r} is a department")

    layout = {
        "department": dept_col,
        "name": name_col,
        "level": level_cells[0][0] if level_cells else None,
    }
    shifted = {
        role: col for role, col in layout.items() if col is not None and col != _CANONICAL[role]
    }
    if shifted:
        detail = ", ".join(f"{role} in column {col + 1}" for role, col in shifted.items())
        log.add(TABLE, "column_shift", seq_no, detail)
    if not levels:
        log.add(TABLE, "level_missing", seq_no, "no 行使层级 in the text; levels left empty")
    return _Draft(
        seq_no=seq_no,
        department=state.department[0],
        department_text=state.department[1],
        name=_clean_cell(raw_name, seq_no, log),
        levels=levels,
    )
