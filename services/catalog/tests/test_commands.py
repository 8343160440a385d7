"""``wuzheng catalog import | export | publish`` against the database the settings name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from wuzheng.catalog.cli import app
from wuzheng.catalog.commands import parse_item_numbers
from wuzheng.catalog.data import load_items
from wuzheng.catalog.export import parse_export


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CATALOG_DATABASE_URL", database_url)
    monkeypatch.setenv("WUZHENG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("WUZHENG_ENV", "test")
    return tmp_path


def test_import_export_publish(cli_env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["import", "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["counts"]["items"]["created"] == 664
    assert report["events"]["catalog.item.upserted"] == 664

    second = runner.invoke(app, ["import"])
    assert second.exit_code == 0, second.output
    assert "nothing changed; no events" in second.output

    out = cli_env / "items.json"
    exported = runner.invoke(app, ["export", "items", "--format", "json", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert parse_export("items", "json", out.read_text(encoding="utf-8")) == list(load_items())
    csv = runner.invoke(app, ["export", "departments"])
    assert csv.stdout.startswith("code,name,aliases,kind,issuer_code,issuer_code_placeholder\n")

    published = runner.invoke(
        app,
        [
            *("publish", "--batch", "2", "--date", "2022-12-31"),
            *("--title", "第二批", "--items", "1,2,5-9"),
        ],
    )
    assert published.exit_code == 0, published.output
    assert "published batch 2 (2022-12-31): 7 items" in published.output

    again = runner.invoke(
        app, ["publish", "--batch", "2", "--date", "2022-12-31", "--title", "x", "--items", "1"]
    )
    assert again.exit_code == 1
    assert "immutable" in again.output
    unknown = runner.invoke(
        app, ["publish", "--batch", "3", "--date", "2023-01-31", "--title", "x", "--items", "1,999"]
    )
    assert unknown.exit_code == 1
    assert "--items: unknown items: 999" in unknown.output
    malformed = runner.invoke(
        app, ["publish", "--batch", "3", "--date", "2023-01-31", "--title", "x", "--items", "9-5"]
    )
    assert malformed.exit_code == 2
    bad_date = runner.invoke(
        app, ["publish", "--batch", "3", "--date", "31.01.2023", "--title", "x", "--items", "1"]
    )
    assert bad_date.exit_code == 2


def test_import_without_demo_materials(cli_env: Path) -> None:
    result = CliRunner().invoke(app, ["import", "--no-demo", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["materials"]["created"] == 0


def test_item_numbers() -> None:
    assert parse_item_numbers("1,2,5-9") == [1, 2, 5, 6, 7, 8, 9]
    assert parse_item_numbers(" 3 , 1-2,2 ,") == [1, 2, 3]
    for bad in ("", "a", "5-", "9-5", "0", "1,,x", "1-2-3"):
        with pytest.raises(ValueError):  # noqa: PT011 - the message varies by mistake
            parse_item_numbers(bad)


@given(st.lists(st.tuples(st.integers(1, 500), st.integers(0, 20)), min_size=1, max_size=20))
def test_item_numbers_cover_exactly_the_ranges(ranges: list[tuple[int, int]]) -> None:
    text = ",".join(f"{a}-{a + n}" if n else str(a) for a, n in ranges)
    expected = sorted({x for a, n in ranges for x in range(a, a + n + 1)})
    assert parse_item_numbers(text) == expected
