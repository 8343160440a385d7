"""licence_types.json: type codes, field schemas, holder kinds."""

from __future__ import annotations

from stdnum.cn import uscc

from wuzheng.catalog.data import LicenceType, load_departments, load_licence_types, load_licences

METADATA = (
    ("licence_name", "证照名称"),
    ("licence_number", "证照编号"),
    ("licence_type_code", "证照类型代码"),
    ("issuer_name", "颁发机构"),
    ("issuer_code", "颁发机构代码"),
    ("issue_date", "颁发日期"),
    ("holder_name", "持证主体"),
    ("holder_code", "持证主体代码"),
    ("holder_code_type", "持证主体代码类型"),
    ("valid_from", "有效期起始"),
    ("valid_until", "有效期截止"),
    ("jurisdiction_code", "管辖属地编码"),
)


def _by_name() -> dict[str, LicenceType]:
    return {t.name: t for t in load_licence_types()}


def test_one_type_per_licence() -> None:
    types = load_licence_types()
    licences = load_licences()
    assert len(types) == 50
    assert [(t.seq_no, t.name) for t in types] == [(lic.seq_no, lic.name) for lic in licences]
    for t, lic in zip(types, licences, strict=True):
        assert t.issuing_departments == lic.issuing_departments
        assert t.data_levels == lic.data_levels


def test_type_codes_are_issuer_code_plus_sequence_with_valid_check_chars() -> None:
    issuers = {d.code: d.issuer_code for d in load_departments()}
    codes = [t.code for t in load_licence_types()]
    assert len(set(codes)) == len(codes)
    per_issuer: dict[str, list[int]] = {}
    for t in load_licence_types():
        assert len(t.code) == 21
        assert uscc.is_valid(t.code[:18]), t.code
        assert t.code[:18] == issuers[t.issuing_departments[0]]
        assert t.code[18:].isdigit()
        per_issuer.setdefault(t.code[:18], []).append(int(t.code[18:]))
    for sequence in per_issuer.values():
        assert sequence == list(range(1, len(sequence) + 1))


def test_every_type_has_the_gb_t_36903_metadata_fields() -> None:
    for t in load_licence_types():
        for key, label in METADATA:
            field = t.field(key)
            assert field.label.startswith(label), (t.name, key, field.label)
        assert t.field("issue_date").type == "date"
        assert t.field("holder_code_type").type == "code"
        assert not t.field("valid_until").required


def test_every_type_has_type_specific_fields() -> None:
    metadata_keys = {k for k, _ in METADATA} | {"related_items"}
    for t in load_licence_types():
        specific = [f for f in t.fields if f.key not in metadata_keys]
        assert len(specific) >= 3, t.name
        assert any(f.required for f in specific), t.name


def test_personal_flags_follow_the_holder_kind() -> None:
    for t in load_licence_types():
        person = t.holder_kind == "person"
        assert t.field("holder_name").personal is person, t.name
        assert t.field("holder_code").personal is person, t.name
        assert t.field("licence_number").personal is person, t.name
        assert t.field("issuer_code").personal is False
    by_name = _by_name()
    assert by_name["营业执照"].field("legal_representative").personal is True
    assert by_name["营业执照"].field("business_scope").personal is False
    assert by_name["结婚证"].field("spouse_id_number").personal is True


def test_holder_kinds() -> None:
    by_name = _by_name()
    for name in (
        "居民身份证",
        "机动车驾驶证",
        "结婚证",
        "残疾人证",
        "出生医学证明",
        "医师执业证书",
    ):
        assert by_name[name].holder_kind == "person", name
    for name in (
        "营业执照",
        "食品经营许可证",
        "医疗机构执业许可证",
        "建筑业企业资质证书",
        "采矿许可证",
    ):
        assert by_name[name].holder_kind == "organisation", name


def test_type_specific_fields_spot_checks() -> None:
    by_name = _by_name()
    keys = {name: {f.key for f in t.fields} for name, t in by_name.items()}
    assert {"gender", "ethnicity", "birth_date", "address"} <= keys["居民身份证"]
    assert {
        "entity_type",
        "legal_representative",
        "registered_capital",
        "establishment_date",
        "business_scope",
        "domicile",
    } <= keys["营业执照"]
    assert {"registration_date", "spouse_name", "spouse_id_number"} <= keys["结婚证"]
    assert by_name["营业执照"].field("holder_name").label == "持证主体（名称）"
    assert by_name["结婚证"].field("holder_name").label == "持证主体（持证人）"
    assert by_name["营业执照"].field("registered_capital").type == "number"
