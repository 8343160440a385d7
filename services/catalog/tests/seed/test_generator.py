"""The generator: determinism against the committed files, --check, and its rules on
synthetic damage."""

from __future__ import annotations

from pathlib import Path

import pytest

from wuzheng.catalog.data import GENERATED_FILES, read_data_text
from wuzheng.catalog.seed import (
    ParsedPlan,
    PlanFormatError,
    PlanText,
    corrections_summary,
    parse_plan,
    render_data_files,
)
from wuzheng.catalog.seed.__main__ import main
from wuzheng.catalog.seed._plan_text import (
    CorrectionLog,
    compress_ranges,
    remove_cjk_spaces,
    split_trailing_page_number,
)
from wuzheng.catalog.seed.departments import DepartmentResolver
from wuzheng.catalog.seed.items import parse_items
from wuzheng.catalog.seed.licences import parse_licences


def test_reparsing_the_seed_reproduces_the_committed_files(parsed: ParsedPlan) -> None:
    rendered = render_data_files(parsed)
    assert set(rendered) == set(GENERATED_FILES)
    for name, content in rendered.items():
        assert content == read_data_text(name), f"{name} is stale: regenerate it"


def test_rendering_is_deterministic(plan: PlanText) -> None:
    assert render_data_files(parse_plan(plan)) == render_data_files(parse_plan(plan))


def test_provenance(parsed: ParsedPlan) -> None:
    for name in GENERATED_FILES:
        text = read_data_text(name)
        assert f'"source": "{parsed.plan.name}"' in text
        assert f'"source_sha256": "{parsed.plan.sha256}"' in text
        assert "\\u" not in text  # UTF-8, not escaped


def test_check_mode(seed_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--source", str(seed_path), "--out", str(tmp_path), "--check"]) == 1
    assert main(["--source", str(seed_path), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(GENERATED_FILES)
    assert main(["--source", str(seed_path), "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "items.json").write_text("{}", encoding="utf-8")
    assert main(["--source", str(seed_path), "--out", str(tmp_path), "--check"]) == 1
    assert "items.json" in capsys.readouterr().err


def test_committed_files_pass_check(seed_path: Path) -> None:
    assert main(["--source", str(seed_path), "--check"]) == 0


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--check" in out
    assert "--source" in out


def test_missing_source_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--source", str(tmp_path / "nope.txt"), "--out", str(tmp_path)])
    assert exc.value.code == 2


# --- the rules, on synthetic text ---------------------------------------------------------

_ANNEX1_HEAD = "附件 1\n\n第一批电子证照证明免提交事项清单\n\n序号\t市直部门\t涉及事项\t行使层级\n"
_ANNEX2 = (
    "附件 2\n\n第一批常用电子证照证明清单\n\n"
    "序号\t证照证明名称\t制证部门\t数据责任层级\n"
    "1\t居民身份证\t公安部门\t省级\n"
    "\n"
    "2\t营业执照\t市场监管部门、行政审批服务部门\t省级、市级\n"
    "\n附件 3\n"
)


def _plan(annex1_rows: str) -> PlanText:
    return PlanText(
        name="synthetic.txt", sha256="0" * 64, text=_ANNEX1_HEAD + annex1_rows + _ANNEX2
    )


def _items(annex1_rows: str) -> tuple[list[tuple[int, str, str, tuple[str, ...]]], CorrectionLog]:
    log = CorrectionLog()
    items, _ = parse_items(_plan(annex1_rows), DepartmentResolver(), log)
    return [(i.seq_no, i.department, i.name, i.levels) for i in items], log


def test_rules_on_shifted_and_split_rows() -> None:
    rows, log = _items(
        "1\t公安局\t变更姓名\t县级\n"
        "2\t\t居民身份证签发\t县级\n"
        "3\t\t供电公司\t电费查询\t县级\n"  # department shifted right
        "4\t电费缴纳\t\t县级\t\n"  # item in the department column
        "5\t用电增值税变更\t县级\t\t\n"  # level in the item column
        "6\t\t教体局\t三级裁判员技术等级认证\n"  # no level at all
        "7\t\t\t乡村医生注销 384\t县级\n"  # stray page number
        "8\t\t企业设立分公司的\t县级\n"
        "\n序号\t市直部门\t涉及事项\t行使层级\n"
        "\t\t备案\t\n"  # rest of item 8 after the page break
        "9\t\t不满 100 张\t市级、县级\n"
    )
    assert rows == [
        (1, "public-security", "变更姓名", ("县级",)),
        (2, "public-security", "居民身份证签发", ("县级",)),
        (3, "power-supply", "电费查询", ("县级",)),
        (4, "power-supply", "电费缴纳", ("县级",)),
        (5, "power-supply", "用电增值税变更", ("县级",)),
        (6, "education-sports", "三级裁判员技术等级认证", ()),
        (7, "education-sports", "乡村医生注销", ("县级",)),
        (8, "education-sports", "企业设立分公司的备案", ("县级",)),
        (9, "education-sports", "不满100张", ("市级", "县级")),
    ]
    assert log.seq_nos("附件1", "column_shift") == [3, 4, 5, 6, 7]
    assert log.seq_nos("附件1", "level_missing") == [6]
    assert log.seq_nos("附件1", "stray_page_number") == [7]
    assert log.seq_nos("附件1", "page_break_split") == [8]
    assert log.seq_nos("附件1", "spaces_removed") == [9]
    assert log.count("附件1", "page_header") == 1
    summary = corrections_summary(log)
    assert "附件1 `column_shift`: 序号 3–7" in summary


@pytest.mark.parametrize(
    "rows",
    [
        "1\t宣传部\t某事项\t县级\n",  # unknown department
        "1\t\t某事项\t县级\n",  # first row without a department
        "1\t公安局\t变更姓名\t县级\n3\t\t出生登记\t县级\n",  # gap in 序号
        "1\t公安局\t变更姓名\t县级\n2\t\t公安局\t\n",  # department where the item should be
        "1\t公安局\t变更姓名\t县级\n\t\t甲\t乙\n",  # unnumbered line that is not a fragment
    ],
)
def test_damage_the_rules_cannot_explain_fails_loudly(rows: str) -> None:
    with pytest.raises(PlanFormatError):
        _items(rows)


def test_licence_rules() -> None:
    log = CorrectionLog()
    licences, used = parse_licences(_plan("1\t公安局\t变更姓名\t县级\n"), DepartmentResolver(), log)
    assert [
        (lic.seq_no, lic.name, lic.issuing_departments, lic.data_levels) for lic in licences
    ] == [
        (1, "居民身份证", ("public-security",), ("省级",)),
        (2, "营业执照", ("market-regulation", "administrative-approval"), ("省级", "市级")),
    ]
    assert used == {"公安部门", "市场监管部门", "行政审批服务部门"}


def test_cleaning_helpers() -> None:
    assert remove_cjk_spaces("变更更正 民族") == "变更更正民族"
    assert remove_cjk_spaces("不满 100 张") == "不满100张"
    assert remove_cjk_spaces("ISO 7064 校验") == "ISO 7064校验"
    assert split_trailing_page_number("乡村医生注销 384") == ("乡村医生注销", "384")
    assert split_trailing_page_number("不满 100 张") == ("不满 100 张", None)
    assert compress_ranges([5, 1, 2, 3, 9, 10]) == "1–3, 5, 9–10"
