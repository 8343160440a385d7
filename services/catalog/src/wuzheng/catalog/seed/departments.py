"""The bodies named in 附件1 and 附件2: codes, canonical names, aliases, placeholder USCCs.

The plan names the same body in several ways: 附件1 uses the short names of the county's
bureaus (``公安局``, ``自然资源局 规划局``), 附件2 the generic names of the sectors
(``公安部门``, ``自然资源和规划部门``), and the body text the ``市…局`` forms. Each body has one
entry below; every spelling of it the plan uses is an alias. The generator keeps an alias only
if it occurs in the plan text, and fails if a table cell names a body that is not here.

Issuer codes
------------
The plan does not give the bodies' unified social credit codes (统一社会信用代码, GB 32100), but
licence type codes and licence identifiers (GB/T 36904) are built on them. Each body therefore
gets a clearly marked, well-formed **placeholder** (``issuer_code_placeholder: true``) that an
operator replaces with the real code:

* character 1 – registration authority, 2 – organisation type (GB 32100): ``11`` = 机构编制,
  机关 (government bureaus); ``13`` = 机构编制, 群众团体 (残联); ``12`` = 机构编制, 事业单位
  (the class "县级以上医疗卫生机构"); ``91`` = 市场监管, 企业 (utilities);
* characters 3–8 – ``370784``, the GB/T 2260 code of 安丘市;
* characters 9–17 – an organisation code (GB 11714): ``PH`` (for "placeholder") + six digits
  taken from SHA-256 of the department code + the GB 11714 check character;
* character 18 – the GB 32100 check character, computed with ``stdnum.cn.uscc``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from stdnum.cn import uscc

from wuzheng.catalog.data.models import Department, DepartmentKind
from wuzheng.catalog.seed._plan_text import PlanFormatError, PlanText, collapse_spaces, squeeze

REGION_CODE = "370784"
"""GB/T 2260 administrative division code of 安丘市 (Anqiu, Weifang, Shandong)."""

PLACEHOLDER_MARK = "PH"
"""First two characters of every placeholder organisation code."""


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    kind: DepartmentKind
    registration: str
    """Characters 1–2 of the USCC: registration authority + organisation type."""
    aliases: tuple[str, ...]
    """Every spelling the plan uses for this body (those absent from the text are dropped)."""


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        "administrative-approval",
        "安丘市行政审批服务局",
        "government",
        "11",
        ("行政审批服务局", "行政审批 服务局", "行政审批服务部门", "市审批服务局"),
    ),
    DepartmentSpec(
        "agriculture-rural",
        "安丘市农业农村局",
        "government",
        "11",
        ("农业农村局",),
    ),
    DepartmentSpec(
        "civil-affairs",
        "安丘市民政局",
        "government",
        "11",
        ("民政局", "民政部门"),
    ),
    DepartmentSpec(
        "commerce",
        "安丘市商务局",
        "government",
        "11",
        ("商务局",),
    ),
    DepartmentSpec(
        "disabled-persons-federation",
        "安丘市残疾人联合会",
        "government",
        "13",
        ("残联",),
    ),
    DepartmentSpec(
        "education-sports",
        "安丘市教育和体育局",
        "government",
        "11",
        ("教体局", "教育部门"),
    ),
    DepartmentSpec(
        "emergency-management",
        "安丘市应急管理局",
        "government",
        "11",
        ("应急管理部门",),
    ),
    DepartmentSpec(
        "health",
        "安丘市卫生健康局",
        "government",
        "11",
        ("卫健局", "卫生健康部门", "市卫健局"),
    ),
    DepartmentSpec(
        "healthcare-security",
        "安丘市医疗保障局",
        "government",
        "11",
        ("医保局", "医保部门"),
    ),
    DepartmentSpec(
        "housing-construction",
        "安丘市住房和城乡建设局",
        "government",
        "11",
        ("住建局", "住建部门"),
    ),
    DepartmentSpec(
        "human-resources-social-security",
        "安丘市人力资源和社会保障局",
        "government",
        "11",
        ("人社局", "人力资源社会保障部门"),
    ),
    DepartmentSpec(
        "justice",
        "安丘市司法局",
        "government",
        "11",
        ("司法局", "市司法局"),
    ),
    DepartmentSpec(
        "market-regulation",
        "安丘市市场监督管理局",
        "government",
        "11",
        ("市场监督管理局", "市场监管部门", "市市场监管局"),
    ),
    DepartmentSpec(
        "natural-resources",
        "安丘市自然资源和规划局",
        "government",
        "11",
        (
            "自然资源局",
            "自然资源局 规划局",
            "自然资源部门",
            "自然资源和规划部门",
            "市自然资源和规划局",
        ),
    ),
    DepartmentSpec(
        "public-security",
        "安丘市公安局",
        "government",
        "11",
        ("公安局", "公安部门", "市公安局"),
    ),
    DepartmentSpec(
        "taxation",
        "国家税务总局安丘市税务局",
        "government",
        "11",
        ("税务局", "市税务局"),
    ),
    # Public-service units (公共服务单位). The plan gives only their short names; the
    # canonical names below are those short names with the city prefix, not registered names.
    DepartmentSpec(
        "power-supply",
        "安丘供电公司",
        "public_service",
        "91",
        ("供电公司", "安丘供电公司"),
    ),
    DepartmentSpec(
        "water-supply",
        "安丘市城乡供水",
        "public_service",
        "91",
        ("城乡供水",),
    ),
    DepartmentSpec(
        "cr-gas",
        "安丘华润燃气",
        "public_service",
        "91",
        ("华润燃气",),
    ),
    DepartmentSpec(
        "kunlun-gas",
        "安丘昆仑燃气",
        "public_service",
        "91",
        ("昆仑燃气",),
    ),
    DepartmentSpec(
        "shengyuan-heating",
        "安丘盛源热电",
        "public_service",
        "91",
        ("盛源热电",),
    ),
    # 附件2 names a class of bodies, not one body, as the maker of 健康证明: every
    # institution of that class issues it. It is one catalog entry so that the licence type has
    # a defining issuer; operators register the individual institutions as issuers.
    DepartmentSpec(
        "medical-institutions",
        "县级以上医疗卫生机构",
        "public_service",
        "12",
        ("县级以上医疗卫生机构",),
    ),
)

_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def gb11714_check_char(body: str) -> str:
    """Check character of an 8-character organisation code body (GB 11714)."""
    if len(body) != 8:
        raise ValueError(f"organisation code body must be 8 characters, got {body!r}")
    total = sum(int(ch, 36) * w for ch, w in zip(body, _GB11714_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def placeholder_issuer_code(code: str, registration: str) -> str:
    """The deterministic placeholder USCC of a department (see the module docstring)."""
    if len(registration) != 2 or not registration.isdigit():
        raise ValueError(f"registration must be two digits, got {registration!r}")
    digits = int.from_bytes(hashlib.sha256(code.encode("ascii")).digest()[:8], "big") % 10**6
    body = f"{PLACEHOLDER_MARK}{digits:06d}"
    org_code = body + gb11714_check_char(body)
    first17 = registration + REGION_CODE + org_code
    full = first17 + uscc.calc_check_digit(first17)
    if not uscc.is_valid(full):  # pragma: no cover - calc_check_digit makes it valid
        raise AssertionError(full)
    return full


class DepartmentResolver:
    """Resolves a department cell of the plan to a department code."""

    def __init__(self, specs: tuple[DepartmentSpec, ...] = DEPARTMENTS) -> None:
        self._by_alias: dict[str, str] = {}
        for spec in specs:
            for alias in (spec.name, *spec.aliases):
                key = squeeze(alias)
                other = self._by_alias.setdefault(key, spec.code)
                if other != spec.code:
                    raise ValueError(f"alias {alias!r} names both {other} and {spec.code}")

    def resolve(self, text: str) -> str | None:
        return self._by_alias.get(squeeze(text))

    def require(self, text: str, *, where: str) -> str:
        code = self.resolve(text)
        if code is None:
            raise PlanFormatError(f"{where}: {text!r} is not a known department")
        return code


def build_departments(
    plan: PlanText, used_texts: set[str], specs: tuple[DepartmentSpec, ...] = DEPARTMENTS
) -> list[Department]:
    """The department rows, checked against the plan.

    ``used_texts`` are the department cells the tables contain; each must be an alias. Aliases
    the plan does not contain are dropped; a department none of whose aliases is in the table
    cells is an error (the registry would carry a body the annexes never name).
    """
    flat_text = collapse_spaces(plan.text.replace("\t", " "))
    resolver = DepartmentResolver(specs)
    named: set[str] = set()
    for text in used_texts:
        named.add(resolver.require(text, where="department cell"))
    rows: list[Department] = []
    seen_codes: set[str] = set()
    issuer_codes: set[str] = set()
    for spec in sorted(specs, key=lambda s: s.code):
        if spec.code in seen_codes:
            raise ValueError(f"duplicate department code {spec.code}")
        seen_codes.add(spec.code)
        if spec.code not in named:
            raise PlanFormatError(f"department {spec.code} is not named in 附件1 or 附件2")
        aliases = tuple(dict.fromkeys(a for a in spec.aliases if collapse_spaces(a) in flat_text))
        issuer_code = placeholder_issuer_code(spec.code, spec.registration)
        if issuer_code in issuer_codes:
            raise ValueError(f"placeholder issuer code collision for {spec.code}")
        issuer_codes.add(issuer_code)
        rows.append(
            Department(
                code=spec.code,
                name=spec.name,
                aliases=aliases,
                kind=spec.kind,
                issuer_code=issuer_code,
                issuer_code_placeholder=True,
            )
        )
    return rows
