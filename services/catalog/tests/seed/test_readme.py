"""The README's "Corrections to the source" lists what the parser actually does."""

from __future__ import annotations

from pathlib import Path

from wuzheng.catalog.data import load_departments
from wuzheng.catalog.seed import ParsedPlan, corrections_summary


def test_readme_lists_every_correction(parsed: ParsedPlan, readme_path: Path) -> None:
    text = readme_path.read_text(encoding="utf-8")
    assert "## Corrections to the source" in text
    for line in corrections_summary(parsed.corrections):
        assert line in text, f"README does not list: {line}"


def test_readme_lists_every_department_code(readme_path: Path) -> None:
    text = readme_path.read_text(encoding="utf-8")
    for d in load_departments():
        assert f"`{d.code}`" in text, d.code
        assert d.issuer_code in text, d.code
