"""licences.json (附件2)."""

from __future__ import annotations

from wuzheng.catalog.data import load_departments, load_licences


def test_all_50_licences_with_contiguous_seq_nos() -> None:
    rows = load_licences()
    assert len(rows) == 50
    assert [r.seq_no for r in rows] == list(range(1, 51))
    assert len({r.name for r in rows}) == 50


def test_departments_resolve() -> None:
    codes = {d.code for d in load_departments()}
    for lic in load_licences():
        assert set(lic.issuing_departments) <= codes, lic
        assert len(lic.issuing_departments) == len(lic.issuing_departments_text.split("、"))


def test_spot_checks() -> None:
    by_seq = {lic.seq_no: lic for lic in load_licences()}
    assert by_seq[1].name == "居民身份证"
    assert by_seq[1].issuing_departments == ("public-security",)
    assert by_seq[1].data_levels == ("省级",)
    assert by_seq[11].issuing_departments == ("human-resources-social-security", "education-sports")
    assert by_seq[32].issuing_departments == ("medical-institutions",)
    assert by_seq[33].name == "营业执照"
    assert by_seq[33].issuing_departments == ("market-regulation", "administrative-approval")
    assert by_seq[37].name == "企业名称变更、住所或地址名称变更证明"  # 、 inside a name
    # across the page break between 39 and 40
    assert by_seq[39].name == "民办非企业单位法人登记证书"
    assert by_seq[40].name == "医疗机构执业许可证"
    assert by_seq[43].data_levels == ("省级", "市级")
    assert by_seq[49].issuing_departments_text == "自然资源和规划部门"
    assert by_seq[49].issuing_departments == ("natural-resources",)
    assert by_seq[50].issuing_departments == ("natural-resources", "administrative-approval")
