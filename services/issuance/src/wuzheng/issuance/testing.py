"""Sample catalog data and helpers for the issuance service's tests and its benchmark.

The departments and licence types here mirror the catalog's seed (placeholder issuer codes
of Anqiu's departments, GB/T 36903 metadata fields) without importing the catalog service:
they reach issuance as real ``catalog.*`` events on NATS, as the catalog's would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from stdnum.cn import ric, uscc

from wuzheng.contracts import CreditCode, EventEnvelope, EventPayload, HolderCode, LicenceTypeCode
from wuzheng.contracts.events.catalog import (
    DepartmentUpserted,
    FieldType,
    IssuingDepartment,
    LicenceFieldSpec,
    LicenceTypeUpserted,
)
from wuzheng.issuance.readmodel.service import counts
from wuzheng.messaging import NatsConnection, Topology
from wuzheng.messaging.testing import wait_until
from wuzheng.service import ServiceRuntime

CATALOG_SOURCE = "/wuzheng/catalog"

DEPARTMENTS: dict[str, tuple[str, str]] = {
    "market-regulation": ("安丘市市场监督管理局", "11370784PH3724083H"),
    "administrative-approval": ("安丘市行政审批服务局", "11370784PH1946133Q"),
    "public-security": ("安丘市公安局", "11370784PH40135152"),
    "human-resources-social-security": ("安丘市人力资源和社会保障局", "11370784PH0044584U"),
    "education-sports": ("安丘市教育和体育局", "11370784PH5054845J"),
    "health": ("安丘市卫生健康局", "11370784PH83536131"),
}

BUSINESS_LICENCE = LicenceTypeCode("11370784PH3724083H001")  # 营业执照
ID_CARD = LicenceTypeCode("11370784PH40135152001")  # 居民身份证
EMPLOYMENT_CARD = LicenceTypeCode("11370784PH0044584U001")  # 就业报到证 (joint seal in tests)
PRACTICE_LICENCE = LicenceTypeCode("11370784PH83536131006")  # 医师执业证书 (health, SM2 in tests)
TEST_TYPE = LicenceTypeCode("11370784PH3724083H999")  # every field type, for validation tests


def _field(
    key: str, label: str, type_: FieldType, required: bool, personal: bool
) -> LicenceFieldSpec:
    return LicenceFieldSpec(key=key, label=label, type=type_, required=required, personal=personal)


def metadata_fields(person: bool, holder_label: str) -> tuple[LicenceFieldSpec, ...]:
    """The GB/T 36903 metadata fields the catalog gives every licence type."""
    code_label = "公民身份号码" if person else "统一社会信用代码"
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


def department_event(code: str) -> DepartmentUpserted:
    name, issuer_code = DEPARTMENTS[code]
    return DepartmentUpserted(
        code=code,
        name=name,
        aliases=(),
        kind="government",
        issuer_code=CreditCode(issuer_code),
        issuer_code_placeholder=True,
    )


def _issuers(*codes: str) -> tuple[IssuingDepartment, ...]:
    return tuple(
        IssuingDepartment(
            code=code,
            name=DEPARTMENTS[code][0],
            issuer_code=CreditCode(DEPARTMENTS[code][1]),
            issuer_code_placeholder=True,
        )
        for code in codes
    )


def licence_type_events() -> list[LicenceTypeUpserted]:
    return [
        LicenceTypeUpserted(
            code=BUSINESS_LICENCE,
            seq_no=33,
            name="营业执照",
            holder_kind="organisation",
            data_levels=("省级",),
            issuing_departments=_issuers("market-regulation", "administrative-approval"),
            fields=(
                *metadata_fields(False, "名称"),
                _field("entity_type", "类型", "code", True, False),
                _field("legal_representative", "法定代表人", "string", True, True),
                _field("registered_capital", "注册资本", "number", False, False),
                _field("established_on", "成立日期", "date", True, False),
                _field("business_scope", "经营范围", "string", True, False),
                _field("address", "住所", "string", True, False),
            ),
        ),
        LicenceTypeUpserted(
            code=ID_CARD,
            seq_no=1,
            name="居民身份证",
            holder_kind="person",
            data_levels=("省级",),
            issuing_departments=_issuers("public-security"),
            fields=(
                *metadata_fields(True, "姓名"),
                _field("gender", "性别", "code", True, True),
                _field("ethnicity", "民族", "string", True, True),
                _field("birth_date", "出生日期", "date", True, True),
                _field("address", "住址", "string", True, True),
            ),
        ),
        LicenceTypeUpserted(
            code=EMPLOYMENT_CARD,
            seq_no=11,
            name="就业报到证",
            holder_kind="person",
            data_levels=("省级",),
            issuing_departments=_issuers("human-resources-social-security", "education-sports"),
            fields=(
                *metadata_fields(True, "姓名"),
                _field("school_name", "毕业学校", "string", True, True),
                _field("major", "专业", "string", True, True),
                _field("employer", "就业单位", "string", False, False),
            ),
        ),
        LicenceTypeUpserted(
            code=PRACTICE_LICENCE,
            seq_no=26,
            name="医师执业证书",
            holder_kind="person",
            data_levels=("省级",),
            issuing_departments=_issuers("health", "administrative-approval"),
            fields=(
                *metadata_fields(True, "姓名"),
                _field("practice_category", "执业类别", "code", True, False),
                _field("practice_place", "执业地点", "string", True, False),
            ),
        ),
        LicenceTypeUpserted(
            code=TEST_TYPE,
            seq_no=999,
            name="测试证照",
            holder_kind="organisation",
            data_levels=("市级",),
            issuing_departments=_issuers("market-regulation"),
            fields=(
                *metadata_fields(False, "名称"),
                _field("count", "数量", "integer", True, False),
                _field("amount", "金额", "number", False, False),
                _field("approved", "已批准", "boolean", False, False),
                _field("checked_on", "检查日期", "date", False, False),
                _field("category", "类别", "code", False, False),
            ),
        ),
    ]


def catalog_events() -> list[EventPayload]:
    return [*(department_event(code) for code in DEPARTMENTS), *licence_type_events()]


def subject_of(payload: EventPayload) -> str:
    if isinstance(payload, DepartmentUpserted):
        return payload.code
    if isinstance(payload, LicenceTypeUpserted):
        return str(payload.code)
    return payload.event_type


async def publish(
    nats: NatsConnection,
    topology: Topology,
    payloads: Iterable[EventPayload],
    *,
    source: str = CATALOG_SOURCE,
    time: datetime | None = None,
) -> list[EventEnvelope]:
    """Publish events to JetStream as their producing service's relay would."""
    sent = []
    for payload in payloads:
        envelope = EventEnvelope.wrap(
            payload, source=source, subject=subject_of(payload), time=time or datetime.now(UTC)
        )
        await nats.js.publish(
            topology.subject(envelope.nats_subject),
            envelope.to_bytes(),
            headers=envelope.nats_headers(),
        )
        sent.append(envelope)
    return sent


async def seed_catalog(runtime: ServiceRuntime, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    """Publish the sample departments and licence types as ``catalog.*`` events and wait
    until the service's read model holds them all."""
    await publish(runtime.nats, runtime.topology, catalog_events())
    wanted = (len(DEPARTMENTS), len(licence_type_events()))

    async def fed() -> bool:
        async with runtime.database.sessionmaker() as session:
            return await counts(session) == wanted

    await wait_until(fed, timeout=timeout, message="catalog read model fed")


def resident_id(n: int, birth: str = "19900101") -> str:
    """A valid 公民身份号码 (Anqiu region 370784) numbered ``n`` (0–999)."""
    body = f"370784{birth}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum reads the first 17 digits


def credit_code(n: int) -> str:
    """A valid 统一社会信用代码 of an Anqiu enterprise numbered ``n``."""
    body = f"91370784MA{n % 10**7:07d}"
    return body + uscc.calc_check_digit(body)


def person(n: int) -> HolderCode:
    return HolderCode(f"111:{resident_id(n)}")


def organisation(n: int) -> HolderCode:
    return HolderCode(f"001:{credit_code(n)}")


def business_licence_fields(n: int = 1) -> dict[str, Any]:
    return {
        "holder_name": f"安丘市示范商贸有限公司{n}",
        "jurisdiction_code": "370784",
        "entity_type": "1100",
        "legal_representative": "张三",
        "registered_capital": "500000",
        "established_on": "2020-05-01",
        "business_scope": "日用百货销售",
        "address": "山东省潍坊市安丘市兴安街道1号",
    }


def id_card_fields() -> dict[str, Any]:
    return {
        "holder_name": "李四",
        "jurisdiction_code": "370784",
        "gender": "1",
        "ethnicity": "汉",
        "birth_date": "1990-01-01",
        "address": "山东省安丘市新安街道2号",
    }


def employment_card_fields() -> dict[str, Any]:
    return {
        "holder_name": "王五",
        "jurisdiction_code": "370784",
        "school_name": "潍坊学院",
        "major": "计算机科学与技术",
    }


def practice_licence_fields() -> dict[str, Any]:
    return {
        "holder_name": "赵六",
        "jurisdiction_code": "370784",
        "practice_category": "clinical",
        "practice_place": "安丘市人民医院",
    }


class EventTap:
    """Collects the events published on NATS under ``pattern`` in a namespace."""

    def __init__(self, pattern: str = "certificate.>") -> None:
        self.pattern = pattern
        self.envelopes: list[EventEnvelope] = []
        self._subscription: Subscription | None = None

    async def open(self, nats: NatsConnection, topology: Topology) -> EventTap:
        self._subscription = await nats.nc.subscribe(
            topology.subject(self.pattern), cb=self._on_message
        )
        return self

    async def close(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
            self._subscription = None

    async def _on_message(self, msg: Msg) -> None:
        self.envelopes.append(EventEnvelope.from_bytes(msg.data))

    def of_type(self, name: str) -> list[EventEnvelope]:
        return [e for e in self.envelopes if e.event_name == name]

    def names(self) -> list[str]:
        return [e.event_name for e in self.envelopes]

    async def wait_for(
        self,
        name: str,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109 - a polling deadline
        subject: str | None = None,
    ) -> list[EventEnvelope]:
        """The first ``count`` envelopes of ``name`` (about ``subject``) once published."""

        def matching() -> list[EventEnvelope]:
            return [e for e in self.of_type(name) if subject is None or e.subject == subject]

        await wait_until(
            lambda: len(matching()) >= count,
            timeout=timeout,
            message=f"{count} × {name} published",
        )
        return matching()[:count]


def joint_seals_setting() -> dict[str, Sequence[str]]:
    """The joint-seal policy the tests run with: 就业报到证 needs HR and education."""
    return {EMPLOYMENT_CARD: ["human-resources-social-security", "education-sports"]}
