"""What the catalog tells the mesh: ``catalog.*`` payloads built from its rows, via the outbox.

Every change goes through :func:`emit` in the transaction that makes it, so an event exists
exactly when its change committed. Payloads are the complete current state of what changed
(see ``wuzheng.contracts.events.catalog``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.catalog.models import (
    Department,
    ExemptionList,
    LicenceType,
    Material,
    StandardField,
)
from wuzheng.catalog.models import Item as ItemRow
from wuzheng.contracts import CreditCode, EventEnvelope, EventPayload, LicenceTypeCode
from wuzheng.contracts.events.catalog import (
    DepartmentUpserted,
    ExemptionListPublished,
    FieldSourceRef,
    FieldUpserted,
    IssuingDepartment,
    ItemMaterial,
    ItemMaterialsChanged,
    ItemUpserted,
    LicenceFieldSpec,
    LicenceTypeUpserted,
)
from wuzheng.messaging import Outbox

__all__ = [
    "SOURCE",
    "department_upserted",
    "emit",
    "exemption_list_published",
    "field_upserted",
    "item_upserted",
    "licence_type_upserted",
    "materials_changed",
]

SOURCE = "/wuzheng/catalog"


async def emit(
    session: AsyncSession, outbox: Outbox, events: Iterable[tuple[EventPayload, str]]
) -> int:
    """Stage ``(payload, subject)`` pairs in the outbox of the session's transaction."""
    envelopes = [
        EventEnvelope.wrap(payload, source=SOURCE, subject=subject) for payload, subject in events
    ]
    await outbox.add_many(session, envelopes)
    return len(envelopes)


def department_upserted(department: Department) -> tuple[DepartmentUpserted, str]:
    payload = DepartmentUpserted(
        code=department.code,
        name=department.name,
        aliases=tuple(department.aliases),
        kind=department.kind,
        issuer_code=CreditCode(department.issuer_code),
        issuer_code_placeholder=department.issuer_code_placeholder,
    )
    return payload, department.code


def licence_type_upserted(
    licence_type: LicenceType, issuers: Sequence[Department]
) -> tuple[LicenceTypeUpserted, str]:
    """``issuers``: the issuing departments in order (``licence_type.issuers`` resolved)."""
    payload = LicenceTypeUpserted(
        code=LicenceTypeCode(licence_type.code),
        seq_no=licence_type.seq_no,
        name=licence_type.name,
        holder_kind=licence_type.holder_kind,
        data_levels=tuple(licence_type.data_levels),
        issuing_departments=tuple(
            IssuingDepartment(
                code=d.code,
                name=d.name,
                issuer_code=CreditCode(d.issuer_code),
                issuer_code_placeholder=d.issuer_code_placeholder,
            )
            for d in issuers
        ),
        fields=tuple(LicenceFieldSpec.model_validate(f) for f in licence_type.fields),
    )
    return payload, licence_type.code


def item_upserted(item: ItemRow) -> tuple[ItemUpserted, str]:
    payload = ItemUpserted(
        seq_no=item.seq_no,
        name=item.name,
        department=item.department_code,
        department_text=item.department_text,
        levels=item.levels,
    )
    return payload, str(item.seq_no)


def materials_changed(
    seq_no: int, materials: Sequence[Material]
) -> tuple[ItemMaterialsChanged, str]:
    payload = ItemMaterialsChanged(
        seq_no=seq_no,
        materials=tuple(
            ItemMaterial(
                position=m.position,
                name=m.name,
                mode=m.mode,
                licence_type=LicenceTypeCode(m.licence_type_code) if m.licence_type_code else None,
                commitment_text=m.commitment_text,
                provider_department=m.provider_department_code,
                legal_basis=m.legal_basis,
                form_fields=tuple(m.form_fields),
                origin=m.origin,
            )
            for m in materials
        ),
    )
    return payload, str(seq_no)


def exemption_list_published(
    batch: ExemptionList, items: Sequence[int]
) -> tuple[ExemptionListPublished, str]:
    payload = ExemptionListPublished(
        batch=batch.batch,
        date=batch.date,
        title=batch.title,
        items=tuple(sorted(items)),
        published_at=batch.published_at,
    )
    return payload, str(batch.batch)


def field_upserted(field: StandardField) -> tuple[FieldUpserted, str]:
    payload = FieldUpserted(
        key=field.key,
        label=field.label,
        type=field.type,
        personal=field.personal,
        sources=tuple(
            FieldSourceRef(licence_type=LicenceTypeCode(s.licence_type_code), field=s.licence_field)
            for s in field.sources
        ),
    )
    return payload, field.key
