"""departments.json: codes, aliases and placeholder issuer codes."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc

from wuzheng.catalog.data import load_departments
from wuzheng.catalog.seed import PlanText
from wuzheng.catalog.seed.departments import (
    DEPARTMENTS,
    REGION_CODE,
    gb11714_check_char,
    placeholder_issuer_code,
)


def test_codes_are_unique_ascii_slugs() -> None:
    codes = [d.code for d in load_departments()]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes) == 22
    for code in codes:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", code)


def test_placeholder_issuer_codes_are_valid_and_marked() -> None:
    rows = load_departments()
    assert len({d.issuer_code for d in rows}) == len(rows)
    for d in rows:
        assert d.issuer_code_placeholder is True
        assert uscc.is_valid(d.issuer_code), d
        assert d.issuer_code[2:8] == REGION_CODE
        assert d.issuer_code[8:10] == "PH"
        # characters 9–17 are a well-formed GB 11714 organisation code
        assert gb11714_check_char(d.issuer_code[8:16]) == d.issuer_code[16]
        expected_prefix = {"government": ("11", "13"), "public_service": ("91", "12")}[d.kind]
        assert d.issuer_code[:2] in expected_prefix


def test_placeholder_scheme_is_deterministic() -> None:
    for spec in DEPARTMENTS:
        assert placeholder_issuer_code(spec.code, spec.registration) == placeholder_issuer_code(
            spec.code, spec.registration
        )
    assert placeholder_issuer_code("public-security", "11") != placeholder_issuer_code(
        "justice", "11"
    )


def test_gb11714_check_char_known_value() -> None:
    # The worked example of GB 11714-1997: D2143569-X.
    assert gb11714_check_char("D2143569") == "X"
    # A real code: 91110000600037341L carries the organisation code 60003734-1.
    assert gb11714_check_char("60003734") == "1"


def test_kinds() -> None:
    kinds = {d.code: d.kind for d in load_departments()}
    assert kinds["public-security"] == "government"
    assert kinds["natural-resources"] == "government"
    for code in ("power-supply", "water-supply", "cr-gas", "kunlun-gas", "shengyuan-heating"):
        assert kinds[code] == "public_service"


def test_aliases_collect_the_plan_spellings(plan: PlanText) -> None:
    by_code = {d.code: d for d in load_departments()}
    assert {"自然资源局", "自然资源局 规划局", "自然资源和规划部门", "自然资源部门"} <= set(
        by_code["natural-resources"].aliases
    )
    assert {"行政审批服务局", "行政审批 服务局", "行政审批服务部门"} <= set(
        by_code["administrative-approval"].aliases
    )
    flat = " ".join(plan.text.replace("\t", " ").split())
    for d in by_code.values():
        for alias in d.aliases:
            assert alias in flat, (d.code, alias)


@given(
    code=st.from_regex(r"[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,8}){0,3}", fullmatch=True),
    registration=st.sampled_from(["11", "12", "13", "91"]),
)
def test_any_department_code_gets_a_valid_placeholder(code: str, registration: str) -> None:
    issuer_code = placeholder_issuer_code(code, registration)
    assert uscc.is_valid(issuer_code)
    assert issuer_code.startswith(registration + REGION_CODE + "PH")
    assert gb11714_check_char(issuer_code[8:16]) == issuer_code[16]
