"""Helpers for tests of the rescode service (its own, end-to-end tests, the benchmark):
sample holders and licences, publishing the events rescode consumes, watching the events
it emits, and waiting for its projections."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from stdnum.cn import ric, uscc

from wuzheng.contracts import (
    CreditCode,
    EventEnvelope,
    EventPayload,
    HolderCode,
    LicenceId,
    LicenceStatus,
    LicenceTypeCode,
    ResidentId,
)
from wuzheng.contracts.events.catalog import (
    DepartmentUpserted,
    ItemMaterial,
    ItemMaterialsChanged,
    ItemUpserted,
    LicenceTypeUpserted,
)
from wuzheng.contracts.events.certificate import LicenceIssued
from wuzheng.db import utcnow
from wuzheng.messaging import NatsConnection, Topology
from wuzheng.messaging.testing import wait_until
from wuzheng.service import ServiceRuntime

__all__ = [
    "EventTap",
    "FakeClock",
    "Publisher",
    "SampleCatalog",
    "credit_code",
    "later",
    "licence_issued",
    "organisation",
    "people",
    "person",
    "wait_for_row",
]


class FakeClock:
    """A clock for ``Rescode.clock`` that a test moves by hand."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def later(days: float) -> str:
    """An ISO 8601 timestamp ``days`` from now (negative: in the past)."""
    return (utcnow() + dt.timedelta(days=days)).isoformat()


def resident_id(birth: str | None = None) -> ResidentId:
    """A random valid resident ID number (GB 11643) registered in 安丘 (370784), born on
    ``birth`` (YYYYMMDD) or a random day between 1950 and 2009."""
    if birth is None:
        day = dt.date(1950, 1, 1) + dt.timedelta(days=secrets.randbelow(365 * 60))
        birth = day.strftime("%Y%m%d")
    body = f"370784{birth}{secrets.randbelow(1000):03d}"
    return ResidentId(body + ric.calc_check_digit(body + "0"))


def person(birth: str | None = None) -> HolderCode:
    return HolderCode.from_code(resident_id(birth))


def people(count: int) -> list[HolderCode]:
    """``count`` distinct random persons."""
    found: dict[str, HolderCode] = {}
    while len(found) < count:
        holder = person()
        found[holder] = holder
    return list(found.values())


def credit_code(prefix: str = "91370784") -> CreditCode:
    """A random valid unified social credit code (GB 32100): ``prefix`` is the
    registration authority, entity type and region code (8 characters)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = prefix + "".join(secrets.choice(alphabet) for _ in range(17 - len(prefix)))
    return CreditCode(body + uscc.calc_check_digit(body))


def organisation() -> HolderCode:
    return HolderCode.from_code(credit_code())


class SampleCatalog:
    """A small catalogue: two departments, three licence types (two for persons, one for
    organisations) and two items whose materials name some of them."""

    def __init__(self) -> None:
        self.issuer = credit_code("11370784")
        self.police = "public-security"
        self.civil = "civil-affairs"
        self.id_card = LicenceTypeCode(f"{self.issuer}001")
        self.marriage = LicenceTypeCode(f"{self.issuer}002")
        self.business = LicenceTypeCode(f"{self.issuer}003")
        self.household_item = 101  # needs id card + marriage certificate
        self.business_item = 202  # needs the business licence
        self.type_names = {
            self.id_card: "居民身份证",
            self.marriage: "结婚证",
            self.business: "营业执照",
        }

    def events(self) -> list[EventPayload]:
        departments = [
            DepartmentUpserted(
                code=code,
                name=name,
                aliases=(),
                kind="government",
                issuer_code=self.issuer if code == self.police else credit_code("11370784"),
                issuer_code_placeholder=True,
            )
            for code, name in ((self.police, "安丘市公安局"), (self.civil, "安丘市民政局"))
        ]
        types = [
            LicenceTypeUpserted(
                code=code,
                seq_no=index,
                name=self.type_names[code],
                holder_kind="organisation" if code == self.business else "person",
                data_levels=("市级",),
                issuing_departments=(),
                fields=(),
            )
            for index, code in enumerate((self.id_card, self.marriage, self.business), start=1)
        ]
        items = [
            ItemUpserted(
                seq_no=self.household_item,
                name="户口迁移",
                department=self.police,
                department_text="市公安局",
                levels=("市级",),
            ),
            ItemUpserted(
                seq_no=self.business_item,
                name="企业变更登记",
                department=self.civil,
                department_text="市民政局",
                levels=("市级",),
            ),
        ]
        materials = [
            ItemMaterialsChanged(
                seq_no=self.household_item,
                materials=(
                    _material(1, "居民身份证", self.id_card),
                    _material(2, "结婚证", self.marriage),
                    _material(3, "申请表", None),
                ),
            ),
            ItemMaterialsChanged(
                seq_no=self.business_item, materials=(_material(1, "营业执照", self.business),)
            ),
        ]
        return [*departments, *types, *items, *materials]


def _material(position: int, name: str, licence_type: LicenceTypeCode | None) -> ItemMaterial:
    return ItemMaterial(
        position=position,
        name=name,
        mode="e_licence" if licence_type else "paper",
        licence_type=licence_type,
        legal_basis="测试依据",
        form_fields=(),
        origin="demo",
    )


def licence_issued(
    holder: HolderCode,
    type_code: LicenceTypeCode,
    *,
    type_name: str = "居民身份证",
    issuer: CreditCode | None = None,
    department: str = "public-security",
    serial: str | None = None,
    status: LicenceStatus = LicenceStatus.VALID,
) -> LicenceIssued:
    issuer = issuer or CreditCode(type_code[:18])
    serial = serial or f"{secrets.randbelow(10**10):010d}"
    licence_id = LicenceId.build(type_code, issuer, serial)
    return LicenceIssued(
        licence_id=licence_id,
        licence_no=f"NO{serial}",
        type_code=type_code,
        type_name=type_name,
        issuer_code=issuer,
        department=department,
        holder=holder,
        version=licence_id.version,
        status=status,
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2034, 1, 1),
        issued_at=utcnow(),
    )


class Publisher:
    """Publishes events straight to JetStream in a topology's namespace, the way an outbox
    relay would (``Nats-Msg-Id`` = event id)."""

    def __init__(self, nats: NatsConnection, topology: Topology, source: str = "/wuzheng/test"):
        self.nats = nats
        self.topology = topology
        self.source = source

    @classmethod
    def of(cls, runtime: ServiceRuntime) -> Publisher:
        return cls(runtime.nats, runtime.topology)

    def envelope(self, payload: EventPayload, *, time: dt.datetime | None = None) -> EventEnvelope:
        envelope = EventEnvelope.wrap(payload, source=self.source)
        return envelope.model_copy(update={"time": time}) if time is not None else envelope

    async def publish_envelope(self, envelope: EventEnvelope) -> None:
        await self.nats.js.publish(
            self.topology.subject(envelope.nats_subject),
            envelope.to_bytes(),
            headers=envelope.nats_headers(),
        )

    async def publish(self, *payloads: EventPayload) -> list[EventEnvelope]:
        envelopes = [self.envelope(payload) for payload in payloads]
        for envelope in envelopes:
            await self.publish_envelope(envelope)
        return envelopes


class EventTap:
    """Collects the ``rescode.*`` and ``consent.*`` events published in a namespace."""

    def __init__(self) -> None:
        self.envelopes: list[EventEnvelope] = []
        self._subscriptions: list[Subscription] = []

    async def open(self, runtime: ServiceRuntime) -> None:
        for pattern in ("rescode.>", "consent.>"):
            self._subscriptions.append(
                await runtime.nats.nc.subscribe(runtime.subject(pattern), cb=self._on_message)
            )

    async def close(self) -> None:
        for subscription in self._subscriptions:
            await subscription.unsubscribe()
        self._subscriptions.clear()

    async def _on_message(self, msg: Msg) -> None:
        self.envelopes.append(EventEnvelope.from_bytes(msg.data))

    def of_type(self, name: str) -> list[Any]:
        return [e.payload() for e in self.envelopes if e.event_name == name]

    async def wait_for(self, name: str, count: int = 1, timeout: float = 10.0) -> list[Any]:  # noqa: ASYNC109
        await wait_until(
            lambda: len(self.of_type(name)) >= count,
            timeout=timeout,
            message=f"{count} × {name} published",
        )
        return self.of_type(name)


async def wait_for_row(
    runtime: ServiceRuntime,
    statement: sa.Select[Any],
    *,
    timeout: float = 10.0,  # noqa: ASYNC109
    message: str = "row",
) -> None:
    """Wait until ``statement`` returns a row in the service's database."""

    async def found() -> bool:
        async with runtime.database.sessionmaker() as session:
            return (await session.execute(statement)).first() is not None

    await wait_until(found, timeout=timeout, message=message)
