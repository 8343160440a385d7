"""Reading the plan text: sections, table lines, cell cleaning, and the corrections log.

The seed is a text extraction of the plan's PDF. Its tables come out one row per line with
tab-separated cells, but with the usual damage: the column header repeated on every page,
blank lines at page breaks, cells shifted left or right, a cell split across a page break, a
stray page number glued to a cell, and spaces inserted where a cell wrapped or where Latin
digits meet Chinese text. This module only tokenises and cleans; the table-specific rules live
in :mod:`.items` and :mod:`.licences`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from wuzheng.catalog.data.models import DataLevel, Level

SEED_FILE_NAME = "000_0ae92d506d820c97.txt"
"""The file name of the plan text in ``<repo root>/../shared/seeds/``."""


class PlanFormatError(ValueError):
    """The plan text does not have the shape the parser relies on."""


@dataclass(frozen=True)
class PlanText:
    """The plan text and its provenance."""

    name: str
    sha256: str
    text: str

    @classmethod
    def read(cls, path: Path) -> PlanText:
        raw = path.read_bytes()
        return cls(
            name=path.name,
            sha256=hashlib.sha256(raw).hexdigest(),
            text=raw.decode("utf-8"),
        )

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


# --- corrections log ---------------------------------------------------------------------

CorrectionKind = Literal[
    "page_header",
    "department_inherited",
    "column_shift",
    "level_missing",
    "page_break_split",
    "stray_page_number",
    "spaces_removed",
    "department_alias",
]

CORRECTION_KINDS: tuple[CorrectionKind, ...] = (
    "page_header",
    "department_inherited",
    "column_shift",
    "level_missing",
    "page_break_split",
    "stray_page_number",
    "spaces_removed",
    "department_alias",
)


@dataclass(frozen=True)
class Correction:
    """One thing the parser did to a row that is not a plain copy of the text."""

    table: Literal["附件1", "附件2"]
    kind: CorrectionKind
    seq_no: int | None
    detail: str


@dataclass
class CorrectionLog:
    entries: list[Correction] = field(default_factory=list)

    def add(
        self,
        table: Literal["附件1", "附件2"],
        kind: CorrectionKind,
        seq_no: int | None,
        detail: str,
    ) -> None:
        self.entries.append(Correction(table, kind, seq_no, detail))

    def seq_nos(self, table: str, kind: CorrectionKind) -> list[int]:
        return sorted(
            {e.seq_no for e in self.entries if e.table == table and e.kind == kind and e.seq_no}
        )

    def count(self, table: str, kind: CorrectionKind) -> int:
        return sum(1 for e in self.entries if e.table == table and e.kind == kind)


def compress_ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` → ``"1–3, 5"`` (en dash), for the README."""
    parts: list[str] = []
    start = prev = None
    for n in sorted(numbers):
        if start is None or prev is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            parts.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = prev = n
    if start is not None and prev is not None:
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
    return ", ".join(parts)


# --- sections ----------------------------------------------------------------------------


def section_lines(
    plan: PlanText, *, heading: str, title: str, end_heading: str
) -> tuple[int, list[str]]:
    """The lines between an annex's ``heading``/``title`` pair and the next annex heading.

    Returns the 1-based line number of the first line and the lines.

    The annex list near the end of the body ("附件：1. 第一批…") names the same titles, so a
    title only counts when the line before it (ignoring blank lines) is the annex heading.
    """
    lines = plan.lines
    start = None
    for i, line in enumerate(lines):
        if line.strip() != title:
            continue
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and squeeze(lines[j]) == squeeze(heading):
            start = i + 1
            break
    if start is None:
        raise PlanFormatError(f"annex {heading!r} titled {title!r} not found")
    for k in range(start, len(lines)):
        if squeeze(lines[k]) == squeeze(end_heading):
            return start + 1, lines[start:k]
    raise PlanFormatError(f"end of annex {heading!r} (next heading {end_heading!r}) not found")


# --- lines and cells ---------------------------------------------------------------------


@dataclass(frozen=True)
class TableLine:
    """A non-blank line of an annex table, split into stripped cells."""

    line_no: int
    cells: tuple[str, ...]

    @property
    def seq_no(self) -> int | None:
        first = self.cells[0] if self.cells else ""
        return int(first) if first.isdigit() else None

    @property
    def is_header(self) -> bool:
        return bool(self.cells) and self.cells[0] == "序号"

    @property
    def is_stray_number(self) -> bool:
        """A line holding nothing but a number: a page number the extraction kept."""
        non_empty = [c for c in self.cells if c]
        return len(non_empty) == 1 and non_empty[0].isdigit() and self.cells[0] != ""

    def positioned(self) -> list[tuple[int, str]]:
        """(column index, text) of the non-empty cells after the 序号 column."""
        return [(i, c) for i, c in enumerate(self.cells) if i > 0 and c]


def table_lines(lines: list[str], first_line_no: int) -> list[TableLine]:
    """Split the section into table lines; blank lines (page breaks) are dropped."""
    out: list[TableLine] = []
    for offset, line in enumerate(lines):
        if not line.strip():
            continue
        cells = tuple(collapse_spaces(c) for c in line.split("\t"))
        out.append(TableLine(first_line_no + offset, cells))
    return out


def collapse_spaces(text: str) -> str:
    """NFC, strip, and collapse runs of whitespace to one ASCII space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def squeeze(text: str) -> str:
    """Remove all whitespace (for comparing headings such as ``附件 1`` / ``附件1``)."""
    return "".join(text.split())


def _is_wide(ch: str) -> bool:
    """CJK ideographs and full-width punctuation: text that never has spaces inside it."""
    if not ch:
        return False
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return True
    return ch in "“”‘’…—"


_SPACE_RUN = re.compile(r"\s+")


def remove_cjk_spaces(text: str) -> str:
    """Remove spaces next to Chinese characters or full-width punctuation.

    The extraction inserts a space where a cell wrapped onto a new line inside the PDF
    (``变更更正 民族``) and around runs of Latin digits (``床位不满 100 张``); Chinese text has
    neither. Spaces between two Latin/ASCII tokens are kept.
    """

    def keep_or_drop(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() > 0 else ""
        after = text[match.end()] if match.end() < len(text) else ""
        return "" if _is_wide(before) or _is_wide(after) else " "

    return _SPACE_RUN.sub(keep_or_drop, text).strip()


_TRAILING_NUMBER = re.compile(r"^(?P<text>.*\D)\s+(?P<number>\d+)$")


def split_trailing_page_number(text: str) -> tuple[str, str | None]:
    """``乡村医生注销 384`` → (``乡村医生注销``, ``384``).

    A whitespace-separated run of digits at the very end of a cell is a page number the
    extraction glued onto the cell: no item or licence name in the plan ends in a bare number.
    Digits inside a name (``床位不满 100 张``) are left alone.
    """
    m = _TRAILING_NUMBER.match(text)
    if m is None:
        return text, None
    return m.group("text").strip(), m.group("number")


# --- levels ------------------------------------------------------------------------------

_ITEM_LEVEL = re.compile(r"^(?:市级|县级)(?:\s*[、,，]\s*(?:市级|县级))*$")
_DATA_LEVEL = re.compile(r"^(?:省级|市级)(?:\s*[、,，]\s*(?:省级|市级))*$")
_LIST_SEPARATOR = re.compile(r"\s*[、,，]\s*")


def is_item_level(cell: str) -> bool:
    return bool(_ITEM_LEVEL.fullmatch(cell))


def parse_item_levels(cell: str) -> tuple[Level, ...]:
    out: list[Level] = []
    for part in _LIST_SEPARATOR.split(cell):
        if part == "市级":
            out.append("市级")
        elif part == "县级":
            out.append("县级")
        else:
            raise PlanFormatError(f"not a 行使层级: {cell!r}")
    return tuple(out)


def parse_data_levels(cell: str) -> tuple[DataLevel, ...]:
    if not _DATA_LEVEL.fullmatch(cell):
        raise PlanFormatError(f"not a 数据责任层级: {cell!r}")
    out: list[DataLevel] = []
    for part in _LIST_SEPARATOR.split(cell):
        out.append("省级" if part == "省级" else "市级")
    return tuple(out)


def split_list(cell: str) -> list[str]:
    """Split an enumeration cell (``市场监管部门、行政审批服务部门``)."""
    return [p for p in _LIST_SEPARATOR.split(cell) if p]
