"""Helpers for tests of the dispute service (its own, end-to-end ones, the bench): build
the events other services publish, publish them through an outbox, watch ``dispute.*``.

The data echo the catalogue's bundled plan data: 居民身份证 (licence type
``11370784PH40135152001``) issued by ``public-security`` under ``11370784PH40135152``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from stdnum.cn import ric

from wuzheng.contracts import (
    CreditCode,
    EventEnvelope,
    EventPayload,
    HolderCode,
    LicenceId,
    LicenceStatus,
    LicenceTypeCode,
)
from wuzheng.contracts.events.catalog import (
    DepartmentUpserted,
    IssuingDepartment,
    ItemUpserted,
    LicenceFieldSpec,
    LicenceTypeUpserted,
)
from wuzheng.contracts.events.certificate import LicenceAmended, LicenceIssued
from wuzheng.contracts.events.verification import AccessKind, VerificationCompleted
from wuzheng.dispute.context import DisputeContext
from wuzheng.dispute.models import CatalogItem, CatalogLicenceType, KnownLicence
from wuzheng.dispute.sla.calendar import CST
from wuzheng.dispute.sla.clock import FrozenClock
from wuzheng.messaging import outbox_table
from wuzheng.messaging.testing import wait_until
from wuzheng.service import ServiceRuntime
from wuzheng.service.testing import RunningService

PUBLIC_SECURITY = "public-security"
PUBLIC_SECURITY_ISSUER = "11370784PH40135152"
ID_CARD = "11370784PH40135152001"
ID_CARD_FIELDS = ("holder_name", "gender", "ethnicity", "birth_date", "address", "valid_until")
CIVIL_AFFAIRS = "civil-affairs"
CIVIL_AFFAIRS_ISSUER = "11370784PH2562166K"

ISSUANCE_SOURCE = "/wuzheng/issuance"
CATALOG_SOURCE = "/wuzheng/catalog"
VERIFICATION_SOURCE = "/wuzheng/verification"


def resident(n: int) -> HolderCode:
    """A valid resident ID holder code, different for each ``n``."""
    body = f"37078419900101{n % 1000:03d}"
    return HolderCode(f"111:{body}{ric.calc_check_digit(body + '0')}")


def department(code: str, name: str, issuer_code: str) -> DepartmentUpserted:
    return DepartmentUpserted(
        code=code,
        name=name,
        aliases=(name,),
        kind="government",
        issuer_code=CreditCode(issuer_code),
        issuer_code_placeholder=True,
    )


def licence_type(
    code: str = ID_CARD,
    name: str = "居民身份证",
    issuer: tuple[str, str, str] = (PUBLIC_SECURITY, "公安局", PUBLIC_SECURITY_ISSUER),
    fields: Iterable[str] = ID_CARD_FIELDS,
) -> LicenceTypeUpserted:
    return LicenceTypeUpserted(
        code=LicenceTypeCode(code),
        seq_no=int(code[-3:]),
        name=name,
        holder_kind="person",
        data_levels=("市级",),
        issuing_departments=(
            IssuingDepartment(
                code=issuer[0],
                name=issuer[1],
                issuer_code=CreditCode(issuer[2]),
                issuer_code_placeholder=True,
            ),
        ),
        fields=tuple(
            LicenceFieldSpec(key=key, label=key, type="string", required=False, personal=True)
            for key in fields
        ),
    )


def item(seq_no: int, name: str, department_code: str) -> ItemUpserted:
    return ItemUpserted(
        seq_no=seq_no, name=name, department=department_code, department_text=name, levels=()
    )


def licence_issued(
    serial: str,
    holder: HolderCode,
    *,
    type_code: str = ID_CARD,
    issuer_code: str = PUBLIC_SECURITY_ISSUER,
    department_code: str = PUBLIC_SECURITY,
    at: dt.datetime | None = None,
) -> LicenceIssued:
    licence_id = LicenceId.build(type_code, issuer_code, serial)
    return LicenceIssued(
        licence_id=licence_id,
        licence_no=serial,
        type_code=LicenceTypeCode(type_code),
        type_name="居民身份证",
        issuer_code=CreditCode(issuer_code),
        department=department_code,
        holder=holder,
        version=licence_id.version,
        status=LicenceStatus.VALID,
        valid_from=dt.date(2020, 1, 1),
        issued_at=at or dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )


def licence_amended(
    previous: LicenceIssued | LicenceAmended,
    *,
    dispute_id: str | None,
    changed_fields: Iterable[str],
    reason: str = "更正",
) -> LicenceAmended:
    new_id = previous.licence_id.next_version()
    data = previous.model_dump(exclude={"licence_id", "version", "issued_at"})
    data.pop("previous_licence_id", None)
    data.pop("changed_fields", None)
    data.pop("reason", None)
    data.pop("dispute_id", None)
    return LicenceAmended(
        **data,
        licence_id=new_id,
        version=new_id.version,
        previous_licence_id=previous.licence_id,
        changed_fields=tuple(changed_fields),
        reason=reason,
        dispute_id=dispute_id,
    )


def verified(
    licence_id: str,
    caller_department: str,
    holder: HolderCode,
    *,
    result: str = "valid",
    at: dt.datetime | None = None,
) -> VerificationCompleted:
    return VerificationCompleted(
        record_id=f"rec-{caller_department}-{licence_id[-12:]}",
        kind=AccessKind.VERIFICATION,
        caller_department=caller_department,
        operator_id="op-1",
        purpose="办事核验",
        holder=holder,
        licence_id=licence_id,
        result=result,
        completed_at=at or dt.datetime.now(dt.UTC),
    )


def source_of(payload: EventPayload) -> str:
    domain = type(payload).event_type.split(".", 1)[0]
    return {
        "certificate": ISSUANCE_SOURCE,
        "catalog": CATALOG_SOURCE,
        "verification": VERIFICATION_SOURCE,
    }.get(domain, f"/wuzheng/{domain}")


async def publish(runtime: ServiceRuntime, *payloads: EventPayload) -> None:
    """Publish other services' events through ``runtime``'s outbox (a stand-in for their
    producers: the relay sends them to NATS, the consumers receive them as any event)."""
    async with runtime.database.transaction() as session:
        await runtime.outbox.add_many(
            session,
            [
                EventEnvelope.wrap(payload, source=source_of(payload), subject=None)
                for payload in payloads
            ],
        )


async def row_count(runtime: ServiceRuntime, table: Any, *where: Any) -> int:
    async with runtime.database.sessionmaker() as session:
        count = await session.scalar(sa.select(sa.func.count()).select_from(table).where(*where))
    return int(count or 0)


async def wait_outbox_drained(runtime: ServiceRuntime, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    async def drained() -> bool:
        return await row_count(runtime, outbox_table, outbox_table.c.status != "sent") == 0

    await wait_until(drained, timeout=timeout, message="outbox drained")


class EventTap:
    """Collects the events published on ``pattern`` (default ``dispute.>``) in the
    runtime's namespace."""

    def __init__(self) -> None:
        self.envelopes: list[EventEnvelope] = []
        self._subscription: Subscription | None = None

    async def open(self, runtime: ServiceRuntime, pattern: str = "dispute.>") -> EventTap:
        self._subscription = await runtime.nats.nc.subscribe(
            runtime.subject(pattern), cb=self._on_message
        )
        return self

    async def close(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
            self._subscription = None

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


# Monday 3 March 2025, 09:00 in Anqiu: an ordinary working week (no holiday until 4 April).
MONDAY_9AM = dt.datetime(2025, 3, 3, 9, 0, tzinfo=CST)


@dataclass
class World:
    service: RunningService
    context: DisputeContext
    clock: FrozenClock
    alice: HolderCode
    bob: HolderCode
    alice_card: LicenceIssued
    bob_card: LicenceIssued

    def staff(self, dept: str = PUBLIC_SECURITY, *extra: str) -> dict[str, str]:
        return self.service.auth(dept, "disputes:handle", *extra, operator="clerk-1")

    def app(self) -> dict[str, str]:
        """The 爱山东 backend: files for the holders it authenticated."""
        return self.service.auth("aishandong", "disputes:file", operator=None)

    def reports(self) -> dict[str, str]:
        return self.service.auth("big-data-bureau", "reports:read")


async def seed(service: RunningService) -> tuple[LicenceIssued, LicenceIssued]:
    alice, bob = resident(1), resident(2)
    alice_card = licence_issued("2025000001", alice)
    bob_card = licence_issued("2025000002", bob)
    await publish(
        service.runtime,
        department(PUBLIC_SECURITY, "公安局", PUBLIC_SECURITY_ISSUER),
        department(CIVIL_AFFAIRS, "民政局", CIVIL_AFFAIRS_ISSUER),
        licence_type(),
        item(101, "婚姻登记", CIVIL_AFFAIRS),
        alice_card,
        bob_card,
    )
    await wait_until(
        lambda: _seeded(service), timeout=15, message="read models fed by the seed events"
    )
    return alice_card, bob_card


async def _seeded(service: RunningService) -> bool:
    runtime = service.runtime
    return (
        await row_count(runtime, KnownLicence.__table__) == 2
        and await row_count(runtime, CatalogItem.__table__) == 1
        and await row_count(runtime, CatalogLicenceType.__table__) == 1
    )


def licence_dispute(
    licence: LicenceIssued | LicenceAmended | str,
    *,
    field: str = "address",
    holder: HolderCode | None = None,
    filed_as: str = "holder",
    channel: str = "app",
    **extra: Any,
) -> dict[str, Any]:
    """A ``POST /v1/disputes`` body about a field of ``licence`` (an event or an id)."""
    licence_id = licence if isinstance(licence, str) else str(licence.licence_id)
    body: dict[str, Any] = {
        "target": {"kind": "licence", "licence_id": licence_id, "field": field},
        "claimed_value": "安丘市兴安街道和平路1号",
        "filed_as": filed_as,
        "channel": channel,
        "evidence": [
            {
                "uri": "https://files.anqiu.example/evidence/hukou-page.pdf",
                "media_type": "application/pdf",
                "size_bytes": 180_000,
                "name": "户口簿住址页",
            }
        ],
    }
    if holder is not None:
        body["holder"] = str(holder)
    body.update(extra)
    return body
