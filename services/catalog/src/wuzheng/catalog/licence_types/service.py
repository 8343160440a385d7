"""Reading licence types; the events that describe them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.catalog import events
from wuzheng.catalog.errors import NotFound
from wuzheng.catalog.licence_types import repository
from wuzheng.catalog.licence_types.schemas import (
    IssuingDepartmentOut,
    LicenceFieldOut,
    LicenceTypeDetail,
    LicenceTypeSummary,
)
from wuzheng.catalog.models import LicenceType
from wuzheng.contracts import EventPayload


def summary(licence_type: LicenceType) -> LicenceTypeSummary:
    return LicenceTypeSummary(
        code=licence_type.code,
        seq_no=licence_type.seq_no,
        name=licence_type.name,
        holder_kind=licence_type.holder_kind,
        data_levels=licence_type.data_levels,
        issuing_departments=[
            IssuingDepartmentOut(
                code=issuer.department.code,
                name=issuer.department.name,
                issuer_code=issuer.department.issuer_code,
                issuer_code_placeholder=issuer.department.issuer_code_placeholder,
            )
            for issuer in licence_type.issuers
        ],
        updated_at=licence_type.updated_at,
    )


def detail(licence_type: LicenceType) -> LicenceTypeDetail:
    return LicenceTypeDetail(
        **summary(licence_type).model_dump(),
        fields=[LicenceFieldOut.model_validate(f) for f in licence_type.fields],
    )


async def list_licence_types(session: AsyncSession) -> list[LicenceTypeSummary]:
    return [summary(t) for t in await repository.list_all(session)]


async def get_licence_type(session: AsyncSession, code: str) -> LicenceTypeDetail:
    licence_type = await repository.get(session, code)
    if licence_type is None:
        raise NotFound(f"no licence type {code!r}")
    return detail(licence_type)


def upserted_event(licence_type: LicenceType) -> tuple[EventPayload, str]:
    """The event of a licence type loaded with its issuers."""
    return events.licence_type_upserted(
        licence_type, [issuer.department for issuer in licence_type.issuers]
    )


async def events_for_issuer(
    session: AsyncSession, department_code: str
) -> list[tuple[EventPayload, str]]:
    """Events re-announcing every licence type ``department_code`` issues."""
    issued: Sequence[LicenceType] = await repository.issued_by(session, department_code)
    return [upserted_event(t) for t in issued]
