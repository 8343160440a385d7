"""Keeping the read model, and reading it as typed views.

Each catalog event carries the whole current state of what changed, so applying one is an
upsert keyed by the code it names. An event older than what is stored (by its CloudEvents
``time``) is ignored, so a late redelivery cannot roll a record back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import CreditCode, EventEnvelope, LicenceTypeCode
from wuzheng.contracts.events.catalog import (
    DepartmentUpserted,
    IssuingDepartment,
    LicenceFieldSpec,
    LicenceTypeUpserted,
)
from wuzheng.issuance.readmodel.models import KnownDepartment, KnownLicenceType
from wuzheng.messaging import EventConsumer

CATALOG_EVENTS = ("catalog.department.upserted", "catalog.licence_type.upserted")


@dataclass(frozen=True)
class LicenceTypeView:
    """A licence type as issuing needs it."""

    code: LicenceTypeCode
    seq_no: int
    name: str
    holder_kind: str
    issuing_departments: tuple[IssuingDepartment, ...]
    fields: tuple[LicenceFieldSpec, ...]

    @classmethod
    def of(cls, row: KnownLicenceType) -> LicenceTypeView:
        return cls(
            code=LicenceTypeCode(row.code),
            seq_no=row.seq_no,
            name=row.name,
            holder_kind=row.holder_kind,
            issuing_departments=tuple(
                IssuingDepartment.model_validate(d) for d in row.issuing_departments
            ),
            fields=tuple(LicenceFieldSpec.model_validate(f) for f in row.fields),
        )

    @property
    def issuer_departments(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.issuing_departments)

    def field(self, key: str) -> LicenceFieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)

    def label(self, key: str) -> str:
        spec = self.field(key)
        return spec.label if spec is not None else key


@dataclass(frozen=True)
class DepartmentView:
    code: str
    name: str
    issuer_code: CreditCode

    @classmethod
    def of(cls, row: KnownDepartment) -> DepartmentView:
        return cls(code=row.code, name=row.name, issuer_code=CreditCode(row.issuer_code))


async def apply_department(
    session: AsyncSession, payload: DepartmentUpserted, at: datetime
) -> None:
    row = await session.get(KnownDepartment, payload.code)
    if row is None:
        row = KnownDepartment(code=payload.code)
        session.add(row)
    elif row.updated_at > at:
        return
    row.name = payload.name
    row.kind = payload.kind
    row.issuer_code = str(payload.issuer_code)
    row.issuer_code_placeholder = payload.issuer_code_placeholder
    row.updated_at = at


async def apply_licence_type(
    session: AsyncSession, payload: LicenceTypeUpserted, at: datetime
) -> None:
    row = await session.get(KnownLicenceType, str(payload.code))
    if row is None:
        row = KnownLicenceType(code=str(payload.code))
        session.add(row)
    elif row.updated_at > at:
        return
    row.seq_no = payload.seq_no
    row.name = payload.name
    row.holder_kind = payload.holder_kind
    row.issuing_departments = [d.model_dump(mode="json") for d in payload.issuing_departments]
    row.fields = [f.model_dump(mode="json") for f in payload.fields]
    row.updated_at = at


def register(consumer: EventConsumer) -> None:
    """Route the catalog events the read model needs to it."""

    async def department(session: AsyncSession, envelope: EventEnvelope) -> None:
        await apply_department(session, envelope.payload_as(DepartmentUpserted), envelope.time)

    async def licence_type(session: AsyncSession, envelope: EventEnvelope) -> None:
        await apply_licence_type(session, envelope.payload_as(LicenceTypeUpserted), envelope.time)

    consumer.on("catalog.department.upserted", department)
    consumer.on("catalog.licence_type.upserted", licence_type)


async def licence_type(session: AsyncSession, code: str) -> LicenceTypeView | None:
    row = await session.get(KnownLicenceType, code)
    return LicenceTypeView.of(row) if row is not None else None


async def department(session: AsyncSession, code: str) -> DepartmentView | None:
    row = await session.get(KnownDepartment, code)
    return DepartmentView.of(row) if row is not None else None


async def department_by_issuer(session: AsyncSession, issuer_code: str) -> DepartmentView | None:
    row = await session.scalar(
        sa.select(KnownDepartment)
        .where(KnownDepartment.issuer_code == issuer_code)
        .order_by(KnownDepartment.updated_at.desc())
        .limit(1)
    )
    return DepartmentView.of(row) if row is not None else None


class Lookup:
    """Read-model lookups memoised for one transaction (the items of a batch)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._departments: dict[str, DepartmentView | None] = {}
        self._types: dict[str, LicenceTypeView | None] = {}

    async def department(self, code: str) -> DepartmentView | None:
        if code not in self._departments:
            self._departments[code] = await department(self.session, code)
        return self._departments[code]

    async def licence_type(self, code: str) -> LicenceTypeView | None:
        if code not in self._types:
            self._types[code] = await licence_type(self.session, code)
        return self._types[code]


async def counts(session: AsyncSession) -> tuple[int, int]:
    """How many departments and licence types the read model holds."""
    departments = await session.scalar(sa.select(sa.func.count()).select_from(KnownDepartment))
    types = await session.scalar(sa.select(sa.func.count()).select_from(KnownLicenceType))
    return int(departments or 0), int(types or 0)
