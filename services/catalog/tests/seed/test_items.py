"""items.json (附件1): counts, departments, cleanliness and the tricky rows of the source."""

from __future__ import annotations

import re

import pytest

from wuzheng.catalog.data import Item, load_departments, load_items


@pytest.fixture(scope="module")
def items() -> dict[int, Item]:
    return {item.seq_no: item for item in load_items()}


def test_all_664_items_with_contiguous_seq_nos() -> None:
    rows = load_items()
    assert len(rows) == 664
    assert [r.seq_no for r in rows] == list(range(1, 665))


def test_every_department_resolves_and_its_text_is_an_alias() -> None:
    departments = {d.code: d for d in load_departments()}
    for item in load_items():
        assert item.department in departments, item
        aliases = {"".join(a.split()) for a in departments[item.department].aliases}
        assert "".join(item.department_text.split()) in aliases, item


def test_every_named_department_has_items_or_licences() -> None:
    from wuzheng.catalog.data import load_licences

    used = {i.department for i in load_items()}
    used |= {d for lic in load_licences() for d in lic.issuing_departments}
    assert used == {d.code for d in load_departments()}


_LEAKS = re.compile(r"序号|市直部门|涉及事项|行使层级|附件|\t|^\d|\s\d+$|\d+\s*$")


def test_no_header_page_number_or_level_text_leaked_into_names() -> None:
    for item in load_items():
        assert not _LEAKS.search(item.name), item
        assert item.name == item.name.strip()
        assert item.name not in ("县级", "市级", "市级、县级")
        assert "县级" not in item.department_text
        assert "市级" not in item.department_text


def test_no_spaces_inside_chinese_names() -> None:
    for item in load_items():
        assert " " not in item.name, item


def test_names_are_unique_within_a_department() -> None:
    seen: set[tuple[str, str]] = set()
    for item in load_items():
        key = (item.department, item.name)
        assert key not in seen, item
        seen.add(key)


def test_levels() -> None:
    rows = load_items()
    assert {lv for r in rows for lv in r.levels} == {"市级", "县级"}
    # The plan gives no level for exactly these rows; nothing is guessed.
    assert sorted(r.seq_no for r in rows if not r.levels) == [78, 98, 137, 304, 377, 595]
    for r in rows:
        assert list(r.levels) in (["县级"], ["市级", "县级"], []), r


@pytest.mark.parametrize(
    "expected",
    [
        # first row of the table
        (1, "disabled-persons-federation", "残联", "残疾人证注销", ("县级",)),
        # continuation row: department cell blank, inherited
        (51, "public-security", "公安局", "夫妻投靠迁移", ("县级",)),
        # cell wrapped inside the PDF: "变更更正 民族"
        (62, "public-security", "公安局", "变更更正民族", ("县级",)),
        # new department pushed one column right (department in 涉及事项, item in 行使层级)
        (65, "power-supply", "供电公司", "取消峰谷用电", ("县级",)),
        # two blank cells before the item
        (67, "power-supply", "供电公司", "电费查询", ("县级",)),
        # item in the 市直部门 column, level in 行使层级
        (68, "power-supply", "供电公司", "电费缴纳", ("县级",)),
        # department shifted right and the level lost: levels empty, not guessed
        (78, "education-sports", "教体局", "三级裁判员技术等级认证", ()),
        (79, "education-sports", "教体局", "三级运动员技术等级认定", ("县级",)),
        (137, "healthcare-security", "医保局", "单位参保登记", ()),
        (153, "housing-construction", "住建局", "人防工程质量监督登记", ("县级",)),
        # department in place, item shifted into 行使层级, level one further
        (165, "natural-resources", "自然资源局", "开采矿产资源划定矿区范围审批", ("市级", "县级")),
        # item in 市直部门, level in 涉及事项
        (
            179,
            "natural-resources",
            "自然资源局",
            "历史文化街区、名镇、名村核心保护范围内拆除历史建筑以外的建筑物、构筑物或者其他设施审批",
            ("县级",),
        ),
        # department spelled "自然资源局 规划局"
        (181, "natural-resources", "自然资源局 规划局", "建设用地规划许可", ("县级",)),
        (247, "justice", "司法局", "未婚公证申请", ("县级",)),
        (
            304,
            "human-resources-social-security",
            "人社局",
            "机关事业单位工作人员养老保险个人账户一次性待遇申领",
            (),
        ),
        (
            363,
            "human-resources-social-security",
            "人社局",
            "养老保险待遇终止拨付",
            ("市级", "县级"),
        ),
        # spaces around digits removed
        (
            377,
            "administrative-approval",
            "行政审批服务局",
            "不设床位或者床位不满100张的医疗机构的执业登记",
            (),
        ),
        # department spelled "行政审批 服务局"
        (
            398,
            "administrative-approval",
            "行政审批 服务局",
            "印鉴卡-项目内容变更(市县同权)",
            ("市级", "县级"),
        ),
        # stray page number "384" glued to the item
        (418, "administrative-approval", "行政审批 服务局", "乡村医生注销", ("县级",)),
        # name split by a page break ("…设立分公司的" / header / "备案")
        (
            501,
            "administrative-approval",
            "行政审批 服务局",
            "危险货物运输经营以外的道路货物运输企业设立分公司的备案",
            ("县级",),
        ),
        (
            502,
            "administrative-approval",
            "行政审批 服务局",
            "道路客运企业设立分公司的备案",
            ("县级",),
        ),
        (
            531,
            "administrative-approval",
            "行政审批 服务局",
            "企业投资涉及不跨县河流、不跨县水资源配置调整的水利工程项目核准",
            ("县级",),
        ),
        (532, "administrative-approval", "行政审批 服务局", "采伐林木许可审批", ("县级",)),
        # level cell empty in the text
        (
            595,
            "administrative-approval",
            "行政审批 服务局",
            "经营性人力资源服务机构从事职业中介活动许可(正常办理)",
            (),
        ),
        (628, "administrative-approval", "行政审批 服务局", "合伙企业分支机构设立登记", ("县级",)),
        (664, "administrative-approval", "行政审批 服务局", "宗教活动场所法人注销登记", ("县级",)),
    ],
)
def test_tricky_rows(
    items: dict[int, Item], expected: tuple[int, str, str, str, tuple[str, ...]]
) -> None:
    """(seq_no, department, department_text, name, levels), checked by eye against the text."""
    item = items[expected[0]]
    assert (item.seq_no, item.department, item.department_text, item.name, item.levels) == expected


def test_source_oddities_are_kept_as_written(items: dict[int, Item]) -> None:
    """Wording the plan itself has (not extraction damage) is not "corrected"."""
    assert items[378].name == "不设床位或者床位不满101张的医疗机构校验"
    assert items[432].name.endswith("(市县同权))")
    assert items[443].name == "开展产前产前筛查的医疗机构许可变更地址门牌号"
    assert items[214].name == "（单方）接受赠与与声明公证申请"
