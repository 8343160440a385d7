"""``catalog.*`` → the catalogue read model (consumer ``rescode-catalog``).

Every catalog event carries the full current state of what it names, so each handler
upserts; an event older than the row's (a late redelivery) changes nothing.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope
from wuzheng.contracts.events.catalog import (
    DepartmentUpserted,
    ItemMaterialsChanged,
    ItemUpserted,
    LicenceTypeUpserted,
)
from wuzheng.messaging import EventConsumer
from wuzheng.rescode.catalog_view.models import (
    CatalogDepartment,
    CatalogItem,
    CatalogItemLicenceType,
    CatalogLicenceType,
)

__all__ = ["register"]


def _stale(current: datetime | None, incoming: datetime) -> bool:
    return current is not None and incoming < current


async def department_upserted(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = envelope.payload_as(DepartmentUpserted)
    row = await session.get(CatalogDepartment, event.code)
    if row is None:
        session.add(CatalogDepartment(code=event.code, name=event.name, event_time=envelope.time))
    elif not _stale(row.event_time, envelope.time):
        row.name, row.event_time = event.name, envelope.time


async def licence_type_upserted(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = envelope.payload_as(LicenceTypeUpserted)
    row = await session.get(CatalogLicenceType, str(event.code))
    if row is None:
        session.add(
            CatalogLicenceType(
                code=str(event.code),
                name=event.name,
                holder_kind=event.holder_kind,
                event_time=envelope.time,
            )
        )
    elif not _stale(row.event_time, envelope.time):
        row.name, row.holder_kind, row.event_time = event.name, event.holder_kind, envelope.time


async def _item(session: AsyncSession, seq_no: int) -> CatalogItem:
    row = await session.get(CatalogItem, seq_no)
    if row is None:
        row = CatalogItem(seq_no=seq_no, materials_known=False)
        session.add(row)
    return row


async def item_upserted(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = envelope.payload_as(ItemUpserted)
    row = await _item(session, event.seq_no)
    if not _stale(row.event_time, envelope.time):
        row.name, row.department, row.event_time = event.name, event.department, envelope.time


async def materials_changed(session: AsyncSession, envelope: EventEnvelope) -> None:
    event = envelope.payload_as(ItemMaterialsChanged)
    row = await _item(session, event.seq_no)
    if _stale(row.materials_event_time, envelope.time):
        return
    row.materials_known, row.materials_event_time = True, envelope.time
    await session.execute(
        sa.delete(CatalogItemLicenceType).where(CatalogItemLicenceType.item_seq_no == event.seq_no)
    )
    named: dict[str, str] = {}
    for material in event.materials:
        if material.licence_type is not None:
            named.setdefault(str(material.licence_type), material.name)
    for licence_type, material_name in named.items():
        session.add(
            CatalogItemLicenceType(
                item_seq_no=event.seq_no, licence_type=licence_type, material=material_name
            )
        )
    await session.flush()


def register(consumer: EventConsumer) -> None:
    consumer.on("catalog.department.upserted", department_upserted)
    consumer.on("catalog.licence_type.upserted", licence_type_upserted)
    consumer.on("catalog.item.upserted", item_upserted)
    consumer.on("catalog.item.materials_changed", materials_changed)
