"""Licence types (证照类型) for the 50 licences of 附件2.

Type code (local scheme, replaceable by national codes): GB/T 36904 identifies a licence type
by a 21-character code, which in practice is the **defining department's 18-character unified
social credit code followed by a 3-digit sequence** that department assigns to its licence
types. Here the defining department is the first department 附件2 names for the licence
(``市场监管部门、行政审批服务部门`` → market-regulation), and the sequence numbers the
department's licences in 附件2 order starting at ``001``. Because the issuer codes are
placeholders (see :mod:`.departments`), so are the type codes; when national or provincial type
codes are known they replace these.
"""

from __future__ import annotations

from wuzheng.catalog.data.models import Department, Licence, LicenceType
from wuzheng.catalog.seed._plan_text import PlanFormatError
from wuzheng.catalog.seed.licence_fields import LICENCE_SPECS, METADATA_KEYS, metadata_fields


def type_code(issuer_code: str, sequence: int) -> str:
    if not 1 <= sequence <= 999:
        raise ValueError(f"licence type sequence out of range: {sequence}")
    return f"{issuer_code}{sequence:03d}"


def build_licence_types(
    licences: list[Licence], departments: list[Department]
) -> list[LicenceType]:
    by_code = {d.code: d for d in departments}
    unknown = sorted(set(LICENCE_SPECS) - {lic.name for lic in licences})
    if unknown:
        raise PlanFormatError(f"licence specs for licences not in 附件2: {unknown}")
    counters: dict[str, int] = {}
    types: list[LicenceType] = []
    for lic in licences:
        spec = LICENCE_SPECS.get(lic.name)
        if spec is None:
            raise PlanFormatError(f"附件2 licence {lic.seq_no} {lic.name!r} has no field spec")
        clash = sorted(METADATA_KEYS & {f.key for f in spec.fields})
        if clash:
            raise ValueError(f"{lic.name}: type-specific fields reuse metadata keys {clash}")
        definer = lic.issuing_departments[0]
        counters[definer] = counters.get(definer, 0) + 1
        types.append(
            LicenceType(
                code=type_code(by_code[definer].issuer_code, counters[definer]),
                seq_no=lic.seq_no,
                name=lic.name,
                issuing_departments=lic.issuing_departments,
                data_levels=lic.data_levels,
                holder_kind=spec.holder_kind,
                fields=(*metadata_fields(spec.holder_kind, spec.holder_label), *spec.fields),
            )
        )
    return types
