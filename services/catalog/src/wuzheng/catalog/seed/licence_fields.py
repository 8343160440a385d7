"""Field schemas of the 50 licence types: GB/T 36903 metadata + type-specific (照面) fields.

Every licence type starts with the same GB/T 36903 metadata fields (:func:`metadata_fields`);
the table :data:`LICENCE_SPECS` adds, per licence of 附件2 (keyed by its name as printed), the
typical holder and the fields printed on the licence's face. This table is authored, not read
from the plan: the plan only names the licences.

Holder kind (``holder_kind``) is the licence's typical holder, which decides whether the holder
fields are personal data and whether the licence goes into a resident's wallet (居民码) or an
enterprise's (企业码). Rules used:

* ``organisation`` when the licence registers or authorises an organisation or the operation
  of a business, institution or project (执照, 许可证 for premises/operations, 资质证书,
  法人登记证书, 企业…证明, 建设工程规划许可证);
* ``person`` when it attests a natural person's identity, status, qualification, life event or
  benefit (身份证, 驾驶证, 婚姻, 学历, 出生/死亡, 社保/医保, 执业/从业资格 of a person);
* property and vehicle documents (不动产权证书, 不动产登记证明, 不动产登记信息查询证明,
  机动车行驶证, 机动车检验合格标志) are ``person``: most holders are natural persons, and the
  metadata field 持证主体代码类型 (111 公民身份号码 / 001 统一社会信用代码) still lets an
  organisation hold one.

``personal`` marks data about an identified natural person (GB/T 35273 个人信息): for a
person's licence, the holder fields, the licence number and the face fields about the person;
for an organisation's licence, only the names of natural persons printed on it (法定代表人,
负责人…).
"""

from __future__ import annotations

from dataclasses import dataclass

from wuzheng.catalog.data.models import FieldType, HolderKind, LicenceField

PERSON_CODE_LABEL = "公民身份号码"
ORGANISATION_CODE_LABEL = "统一社会信用代码"


def _field(key: str, label: str, type_: FieldType, required: bool, personal: bool) -> LicenceField:
    return LicenceField(key=key, label=label, type=type_, required=required, personal=personal)


def metadata_fields(holder_kind: HolderKind, holder_label: str) -> tuple[LicenceField, ...]:
    """The GB/T 36903 metadata fields every licence type has.

    ``holder_label`` is what the licence's face calls its holder (姓名, 名称, 持证人…); it is
    shown in brackets after the standard label so that one key serves both.
    """
    person = holder_kind == "person"
    code_label = PERSON_CODE_LABEL if person else ORGANISATION_CODE_LABEL
    return (
        _field("licence_name", "证照名称", "string", True, False),
        _field("licence_number", "证照编号", "string", True, person),
        _field("licence_type_code", "证照类型代码", "code", True, False),
        _field("issuer_name", "颁发机构", "string", True, False),
        _field("issuer_code", "颁发机构代码", "code", True, False),
        _field("issue_date", "颁发日期", "date", True, False),
        _field("holder_name", f"持证主体（{holder_label}）", "string", True, person),
        _field("holder_code", f"持证主体代码（{code_label}）", "code", True, person),
        _field("holder_code_type", "持证主体代码类型", "code", True, False),
        _field("valid_from", "有效期起始", "date", True, False),
        _field("valid_until", "有效期截止", "date", False, False),
        _field("jurisdiction_code", "管辖属地编码", "code", True, False),
        _field("related_items", "关联事项", "string", False, False),
    )


METADATA_KEYS = frozenset(f.key for f in metadata_fields("person", "姓名"))


def p(key: str, label: str, type_: FieldType = "string", *, required: bool = False) -> LicenceField:
    """A personal field (data about an identified natural person)."""
    return _field(key, label, type_, required, True)


def n(key: str, label: str, type_: FieldType = "string", *, required: bool = False) -> LicenceField:
    """A field that is not personal data."""
    return _field(key, label, type_, required, False)


@dataclass(frozen=True)
class LicenceSpec:
    holder_kind: HolderKind
    holder_label: str
    fields: tuple[LicenceField, ...]


def _person(holder_label: str, *fields: LicenceField) -> LicenceSpec:
    return LicenceSpec("person", holder_label, fields)


def _organisation(holder_label: str, *fields: LicenceField) -> LicenceSpec:
    return LicenceSpec("organisation", holder_label, fields)


_GENDER: tuple[str, str, FieldType] = ("gender", "性别", "code")
_BIRTH: tuple[str, str, FieldType] = ("birth_date", "出生日期", "date")

LICENCE_SPECS: dict[str, LicenceSpec] = {
    "居民身份证": _person(
        "姓名",
        p(*_GENDER, required=True),
        p("ethnicity", "民族", required=True),
        p(*_BIRTH, required=True),
        p("address", "住址", required=True),
    ),
    "临时身份证明": _person(
        "姓名",
        p(*_GENDER, required=True),
        p("ethnicity", "民族"),
        p(*_BIRTH, required=True),
        p("household_address", "户籍地址", required=True),
        n("purpose", "开具用途"),
    ),
    "机动车行驶证": _person(
        "所有人",
        p("plate_number", "号牌号码", required=True),
        n("vehicle_type", "车辆类型", "code", required=True),
        p("owner_address", "住址"),
        n("use_character", "使用性质", "code", required=True),
        n("brand_model", "品牌型号", required=True),
        p("vin", "车辆识别代号", required=True),
        p("engine_number", "发动机号码"),
        n("registration_date", "注册日期", "date", required=True),
        n("approved_passengers", "核定载人数", "integer"),
        n("inspection_valid_until", "检验有效期至", "date"),
    ),
    "机动车驾驶证": _person(
        "姓名",
        p(*_GENDER, required=True),
        p("nationality", "国籍", "code", required=True),
        p(*_BIRTH, required=True),
        p("address", "住址", required=True),
        p("first_issue_date", "初次领证日期", "date", required=True),
        p("permitted_class", "准驾车型", "code", required=True),
        p("file_number", "档案编号"),
    ),
    "居住证": _person(
        "姓名",
        p(*_GENDER, required=True),
        p("ethnicity", "民族"),
        p(*_BIRTH, required=True),
        p("residence_address", "居住地住址", required=True),
        p("household_address", "户籍地址", required=True),
    ),
    "机动车检验合格标志": _person(
        "所有人",
        p("plate_number", "号牌号码", required=True),
        n("vehicle_type", "车辆类型", "code", required=True),
        n("inspection_date", "检验日期", "date", required=True),
        n("inspection_valid_until", "检验有效期至", "date", required=True),
        n("inspection_station", "检验机构"),
    ),
    "户籍注销证明": _person(
        "被注销人姓名",
        p(*_GENDER, required=True),
        p(*_BIRTH),
        p("former_household_address", "原户籍地址", required=True),
        p("cancellation_reason", "注销原因", "code", required=True),
        p("cancellation_date", "注销日期", "date", required=True),
    ),
    "学历证明": _person(
        "姓名",
        p(*_GENDER),
        p(*_BIRTH),
        p("school_name", "学校名称", required=True),
        p("education_level", "学历层次", "code", required=True),
        p("major", "专业"),
        p("enrolment_date", "入学日期", "date"),
        p("graduation_date", "毕（结）业日期", "date", required=True),
        p("graduation_status", "毕（结）业结论", "code", required=True),
        p("diploma_number", "学历证书编号"),
    ),
    "学历证书": _person(
        "姓名",
        p(*_GENDER, required=True),
        p(*_BIRTH, required=True),
        p("school_name", "学校名称", required=True),
        p("education_level", "学历层次", "code", required=True),
        p("major", "专业", required=True),
        p("study_length", "学制"),
        p("enrolment_date", "入学日期", "date"),
        p("graduation_date", "毕业日期", "date", required=True),
    ),
    "学位证明": _person(
        "姓名",
        p(*_GENDER),
        p(*_BIRTH),
        p("degree_name", "学位名称", required=True),
        p("discipline", "学科门类"),
        p("major", "专业"),
        p("degree_granting_unit", "学位授予单位", required=True),
        p("conferral_date", "授予日期", "date", required=True),
        p("degree_certificate_number", "学位证书编号"),
    ),
    "就业报到证": _person(
        "姓名",
        p(*_GENDER),
        p("school_name", "毕业学校", required=True),
        p("education_level", "学历层次", "code", required=True),
        p("major", "专业", required=True),
        p("employer_name", "报到单位", required=True),
        p("employer_region", "报到单位所在地", "code"),
        p("report_deadline", "报到期限", "date", required=True),
        p("archive_destination", "档案转寄单位"),
    ),
    "婚姻登记记录证明": _person(
        "姓名",
        p(*_GENDER),
        p("marital_status", "婚姻状况", "code", required=True),
        p("registration_records", "婚姻登记记录", required=True),
        n("query_date", "查询日期", "date", required=True),
    ),
    "结婚证": _person(
        "持证人",
        p(*_GENDER, required=True),
        p("nationality", "国籍", "code", required=True),
        p(*_BIRTH, required=True),
        p("registration_date", "登记日期", "date", required=True),
        p("spouse_name", "配偶姓名", required=True),
        p("spouse_gender", "配偶性别", "code", required=True),
        p("spouse_nationality", "配偶国籍", "code", required=True),
        p("spouse_birth_date", "配偶出生日期", "date", required=True),
        p("spouse_id_number", "配偶身份证件号", "code", required=True),
    ),
    "离婚证": _person(
        "持证人",
        p(*_GENDER, required=True),
        p("nationality", "国籍", "code", required=True),
        p(*_BIRTH, required=True),
        p("registration_date", "登记日期", "date", required=True),
        p("former_spouse_name", "原配偶姓名", required=True),
        p("former_spouse_gender", "原配偶性别", "code"),
        p("former_spouse_nationality", "原配偶国籍", "code"),
        p("former_spouse_birth_date", "原配偶出生日期", "date"),
        p("former_spouse_id_number", "原配偶身份证件号", "code", required=True),
    ),
    "火化（殡葬）证明": _person(
        "逝者姓名",
        p(*_GENDER, required=True),
        p(*_BIRTH),
        p("death_date", "死亡日期", "date", required=True),
        p("cremation_date", "火化日期", "date", required=True),
        n("funeral_home", "殡仪馆名称", required=True),
        p("agent_name", "经办人姓名"),
        p("agent_relationship", "经办人与逝者关系"),
    ),
    "社会保障卡": _person(
        "姓名",
        p(*_GENDER, required=True),
        p(*_BIRTH),
        p("card_number", "卡号", required=True),
        p("bank_account", "金融账户"),
        n("issuing_bank", "发卡银行"),
        n("card_generation", "卡片代次", "code"),
    ),
    "就业创业证": _person(
        "姓名",
        p(*_GENDER, required=True),
        p(*_BIRTH),
        p("household_address", "户籍地址"),
        p("education_level", "文化程度", "code"),
        p("employment_status", "就业失业状态", "code", required=True),
        p("registration_date", "就业失业登记日期", "date", required=True),
        p("support_policies", "享受扶持政策情况"),
    ),
    "专业技术人员职业资格证书": _person(
        "姓名",
        p(*_GENDER, required=True),
        p(*_BIRTH, required=True),
        p("qualification_name", "资格名称", required=True),
        p("qualification_level", "级别", "code"),
        p("specialty", "专业", required=True),
        p("approval_date", "批准日期", "date", required=True),
        p("management_number", "管理号", required=True),
    ),
    "医保电子凭证": _person(
        "姓名",
        p(*_GENDER),
        p("insured_region", "参保地", "code", required=True),
        p("insurance_type", "险种类型", "code", required=True),
        p("insured_status", "参保状态", "code", required=True),
    ),
    "出生医学证明": _person(
        "新生儿姓名",
        p(*_GENDER, required=True),
        p(*_BIRTH, required=True),
        p("birth_place", "出生地点", required=True),
        p("gestational_weeks", "出生孕周", "integer"),
        p("birth_weight_grams", "出生体重（克）", "integer"),
        p("birth_length_cm", "出生身长（厘米）", "number"),
        p("mother_name", "母亲姓名", required=True),
        p("mother_id_number", "母亲有效身份证件号码", "code", required=True),
        p("father_name", "父亲姓名"),
        p("father_id_number", "父亲有效身份证件号码", "code"),
        n("delivery_institution", "接生机构名称", required=True),
    ),
    "无偿献血证": _person(
        "姓名",
        p(*_GENDER, required=True),
        p("blood_type", "血型", "code", required=True),
        p("donation_date", "献血日期", "date", required=True),
        p("donation_type", "献血种类", "code", required=True),
        p("donation_volume_ml", "献血量（毫升）", "integer", required=True),
        n("blood_station", "采血机构", required=True),
    ),
    "老年人优待证": _person(
        "姓名",
        p(*_GENDER, required=True),
        p(*_BIRTH, required=True),
        p("address", "住址"),
        p("emergency_contact", "紧急联系人"),
        p("emergency_phone", "紧急联系电话"),
    ),
    "计划生育服务手册": _person(
        "姓名",
        p(*_GENDER),
        p("household_address", "户籍地址"),
        p("spouse_name", "配偶姓名", required=True),
        p("spouse_id_number", "配偶身份证件号", "code", required=True),
        p("marriage_date", "结婚登记日期", "date"),
        p("children_count", "现有子女数", "integer", required=True),
        p("birth_order", "本次生育孩次", "integer"),
    ),
    "死亡医学证明": _person(
        "死者姓名",
        p(*_GENDER, required=True),
        p("ethnicity", "民族"),
        p(*_BIRTH),
        p("death_date", "死亡日期", "date", required=True),
        p("death_place", "死亡地点", required=True),
        p("underlying_cause", "根本死亡原因", required=True),
        p("household_address", "户籍地址"),
        n("certifying_institution", "填报单位", required=True),
    ),
    "医师执业证书": _person(
        "姓名",
        p(*_GENDER, required=True),
        p(*_BIRTH, required=True),
        p("practice_category", "执业类别", "code", required=True),
        p("practice_scope", "执业范围", required=True),
        p("practice_institution", "执业地点（主要执业机构）", required=True),
        p("qualification_certificate_number", "医师资格证书编码"),
    ),
    "母婴保健技术服务执业许可证": _organisation(
        "机构名称",
        p("legal_representative", "法定代表人"),
        p("principal", "主要负责人", required=True),
        n("address", "地址", required=True),
        n("licensed_services", "许可项目", required=True),
    ),
    "特种作业操作证": _person(
        "姓名",
        p(*_GENDER, required=True),
        p("operation_category", "作业类别", "code", required=True),
        p("operation_item", "准操项目", required=True),
        p("first_issue_date", "初领日期", "date", required=True),
        p("review_due_date", "应复审日期", "date"),
    ),
    "安全生产知识和管理能力考核合格证": _person(
        "姓名",
        p(*_GENDER),
        p("employer_name", "单位名称", required=True),
        p("position", "职务"),
        p("personnel_category", "人员类型", "code", required=True),
        n("industry", "行业类别", "code", required=True),
    ),
    "不动产登记证明": _person(
        "权利人",
        p("certified_matter", "证明权利或事项", required=True),
        p("obligor", "义务人"),
        p("location", "坐落", required=True),
        p("unit_number", "不动产单元号", "code", required=True),
        p("secured_amount", "被担保主债权数额（万元）", "number"),
        p("other_notes", "其他"),
    ),
    "不动产权证书": _person(
        "权利人",
        p("co_ownership", "共有情况", "code", required=True),
        p("location", "坐落", required=True),
        p("unit_number", "不动产单元号", "code", required=True),
        p("right_type", "权利类型", required=True),
        p("right_nature", "权利性质"),
        p("land_use", "用途", required=True),
        p("area_sqm", "面积（平方米）", "number", required=True),
        p("term_of_use", "使用期限"),
    ),
    "残疾人证": _person(
        "姓名",
        p(*_GENDER, required=True),
        p(*_BIRTH, required=True),
        p("address", "住址", required=True),
        p("disability_category", "残疾类别", "code", required=True),
        p("disability_grade", "残疾等级", "code", required=True),
        p("guardian_name", "监护人姓名"),
        p("guardian_phone", "监护人联系电话"),
    ),
    "健康证明": _person(
        "姓名",
        p(*_GENDER, required=True),
        p("age", "年龄", "integer"),
        p("occupation_category", "从业类别", required=True),
        p("employer_name", "工作单位"),
        p("examination_date", "体检日期", "date", required=True),
        p("examination_result", "体检结论", "code", required=True),
    ),
    "营业执照": _organisation(
        "名称",
        n("entity_type", "类型", "code", required=True),
        p("legal_representative", "法定代表人（负责人、经营者）", required=True),
        n("registered_capital", "注册资本（万元）", "number"),
        n("establishment_date", "成立日期", "date", required=True),
        n("business_term_until", "营业期限至", "date"),
        n("business_scope", "经营范围", required=True),
        n("domicile", "住所（经营场所）", required=True),
        n("registration_authority", "登记机关", required=True),
    ),
    "食品生产许可证": _organisation(
        "生产者名称",
        p("legal_representative", "法定代表人（负责人）", required=True),
        n("domicile", "住所", required=True),
        n("production_address", "生产地址", required=True),
        n("food_categories", "食品类别", required=True),
        n("daily_supervisor", "日常监督管理机构"),
    ),
    "食品经营许可证": _organisation(
        "经营者名称",
        p("legal_representative", "法定代表人（负责人）", required=True),
        n("domicile", "住所", required=True),
        n("business_premises", "经营场所", required=True),
        n("main_business_format", "主体业态", "code", required=True),
        n("business_items", "经营项目", required=True),
        n("daily_supervisor", "日常监督管理机构"),
    ),
    "药品经营许可证": _organisation(
        "企业名称",
        p("legal_representative", "法定代表人"),
        p("enterprise_principal", "企业负责人", required=True),
        p("quality_principal", "质量负责人", required=True),
        n("registered_address", "注册地址", required=True),
        n("warehouse_address", "仓库地址"),
        n("business_mode", "经营方式", "code", required=True),
        n("business_scope", "经营范围", required=True),
    ),
    "企业名称变更、住所或地址名称变更证明": _organisation(
        "企业名称",
        n("change_items", "变更事项", "code", required=True),
        n("former_name", "变更前名称"),
        n("new_name", "变更后名称"),
        n("former_address", "变更前住所（地址）"),
        n("new_address", "变更后住所（地址）"),
        n("change_date", "变更日期", "date", required=True),
    ),
    "社会团体法人登记证书": _organisation(
        "名称",
        p("legal_representative", "法定代表人", required=True),
        n("domicile", "住所", required=True),
        n("business_scope", "业务范围", required=True),
        n("activity_area", "活动地域", required=True),
        n("registered_capital", "注册资金（万元）", "number", required=True),
        n("supervisory_unit", "业务主管单位"),
    ),
    "民办非企业单位法人登记证书": _organisation(
        "名称",
        p("legal_representative", "法定代表人", required=True),
        n("domicile", "住所", required=True),
        n("business_scope", "业务范围", required=True),
        n("start_up_capital", "开办资金（万元）", "number", required=True),
        n("supervisory_unit", "业务主管单位"),
    ),
    "医疗机构执业许可证": _organisation(
        "机构名称",
        p("legal_representative", "法定代表人"),
        p("principal", "主要负责人", required=True),
        n("address", "地址", required=True),
        n("ownership", "所有制形式", "code", required=True),
        n("institution_category", "医疗机构类别", "code", required=True),
        n("medical_subjects", "诊疗科目", required=True),
        n("beds", "床位（牙椅）", "integer"),
    ),
    "卫生许可证": _organisation(
        "单位名称",
        p("legal_representative", "法定代表人（负责人）", required=True),
        n("address", "地址", required=True),
        n("licensed_items", "许可项目", required=True),
    ),
    "建筑施工企业安全生产许可证书": _organisation(
        "单位名称",
        p("principal", "主要负责人", required=True),
        n("address", "单位地址", required=True),
        n("economic_type", "经济类型", "code", required=True),
        n("licensed_scope", "许可范围", required=True),
    ),
    "建筑业企业资质证书": _organisation(
        "企业名称",
        p("legal_representative", "法定代表人", required=True),
        n("address", "详细地址", required=True),
        n("economic_nature", "经济性质", "code", required=True),
        n("registered_capital", "注册资本（万元）", "number"),
        n("qualification_scope", "资质类别及等级", required=True),
    ),
    "房地产开发企业资质证书": _organisation(
        "企业名称",
        p("legal_representative", "法定代表人", required=True),
        n("registered_address", "注册地址", required=True),
        n("economic_nature", "经济性质", "code"),
        n("registered_capital", "注册资本（万元）", "number", required=True),
        n("establishment_date", "成立日期", "date"),
        n("qualification_grade", "资质等级", "code", required=True),
    ),
    "建设工程质量检测机构资质证书": _organisation(
        "机构名称",
        p("legal_representative", "法定代表人", required=True),
        p("technical_principal", "技术负责人", required=True),
        n("address", "详细地址", required=True),
        n("economic_nature", "经济性质", "code"),
        n("qualification_scope", "资质类别及检测范围", required=True),
    ),
    "工程勘察资质证书": _organisation(
        "企业名称",
        p("legal_representative", "法定代表人", required=True),
        n("address", "详细地址", required=True),
        n("economic_nature", "经济性质", "code"),
        n("qualification_scope", "资质类别及等级", required=True),
    ),
    "危险化学品经营许可证": _organisation(
        "企业名称",
        p("principal", "主要负责人", required=True),
        n("registered_address", "注册地址", required=True),
        n("economic_type", "经济类型", "code"),
        n("business_mode", "经营方式", "code", required=True),
        n("licensed_scope", "许可范围", required=True),
    ),
    "采矿许可证": _organisation(
        "采矿权人",
        n("address", "地址", required=True),
        n("mine_name", "矿山名称", required=True),
        n("economic_type", "经济类型", "code"),
        n("mineral_type", "开采矿种", required=True),
        n("mining_method", "开采方式", "code", required=True),
        n("production_scale", "生产规模（万吨/年）", "number", required=True),
        n("mining_area_sqkm", "矿区面积（平方公里）", "number", required=True),
    ),
    "不动产登记信息查询证明": _person(
        "被查询人",
        p("query_scope", "查询范围", required=True),
        p("property_count", "不动产数量", "integer", required=True),
        p("query_result", "查询结果", required=True),
        n("query_date", "查询日期", "date", required=True),
    ),
    "建设工程规划许可证": _organisation(
        "建设单位（个人）",
        n("project_name", "建设项目名称", required=True),
        n("construction_location", "建设位置", required=True),
        n("construction_scale", "建设规模", required=True),
        n("attachments", "附图及附件名称"),
    ),
}
