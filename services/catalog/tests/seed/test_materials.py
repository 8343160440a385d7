"""field_library.json and demo_materials.json are hand-written: check them against the
generated files."""

from __future__ import annotations

from wuzheng.catalog.data import (
    load_demo_materials,
    load_departments,
    load_field_library,
    load_items,
    load_licence_types,
    read_data_text,
)


def test_field_library_references_exist_and_types_agree() -> None:
    types = {t.code: t for t in load_licence_types()}
    library = load_field_library()
    keys = [f.key for f in library.fields]
    assert len(keys) == len(set(keys))
    for std in library.fields:
        for source in std.sources:
            assert source.licence_type in types, (std.key, source)
            licence_type = types[source.licence_type]
            assert licence_type.name == source.licence_name, (std.key, source)
            field = licence_type.field(source.field)
            assert field.type == std.type, (std.key, source)
            if field.personal:
                assert std.personal, (std.key, source)


def test_field_library_covers_the_brief() -> None:
    keys = {f.key for f in load_field_library().fields}
    assert {
        "applicant_name",
        "applicant_id_number",
        "enterprise_name",
        "credit_code",
        "address",
        "marriage_date",
    } <= keys


def test_demo_is_labelled_and_kept_apart() -> None:
    assert '"demo": true' in read_data_text("demo_materials.json")
    demo = load_demo_materials()
    assert demo.demo is True
    assert 10 <= len(demo.items) <= 15


def test_demo_references_exist() -> None:
    items = {i.seq_no: i for i in load_items()}
    types = {t.code: t for t in load_licence_types()}
    departments = {d.code for d in load_departments()}
    library = {f.key: f for f in load_field_library().fields}
    for demo_item in load_demo_materials().items:
        assert demo_item.seq_no in items
        assert demo_item.name == items[demo_item.seq_no].name
        for material in demo_item.materials:
            for key in material.form_fields:
                assert key in library, (demo_item.seq_no, material.name, key)
            if material.licence_type is not None:
                assert material.licence_type in types, material
                # an e-licence material's form fields can be filled from that licence
                for key in material.form_fields:
                    sources = {s.licence_type for s in library[key].sources}
                    assert material.licence_type in sources, (material.name, key)
            if material.provider_department is not None:
                assert material.provider_department in departments


def test_demo_uses_every_fulfilment_mode() -> None:
    modes = {m.mode for i in load_demo_materials().items for m in i.materials}
    assert modes == {
        "direct_cancel",
        "commitment",
        "data_sharing",
        "department_check",
        "e_licence",
        "paper",
    }


def test_demo_cases_from_the_brief() -> None:
    types = {t.code: t.name for t in load_licence_types()}
    by_seq = {i.seq_no: i for i in load_demo_materials().items}

    def licences(seq_no: int) -> set[str]:
        return {
            types[m.licence_type] for m in by_seq[seq_no].materials if m.licence_type is not None
        }

    assert by_seq[5].name == "残疾人证换领"
    assert "残疾人证" in licences(5)
    assert by_seq[610].name == "公司变更登记"
    assert "营业执照" in licences(610)
    assert by_seq[51].name == "夫妻投靠迁移"
    assert {"结婚证", "居民身份证"} <= licences(51)
    assert by_seq[20].name == "机动车驾驶人审验"
    assert "机动车驾驶证" in licences(20)
