"""Load the bundled data files (the plan's lists, the field library, the demo mapping) into the
catalog's database: an idempotent upsert that announces only what changed.

    async with database.transaction() as session:
        report = await import_catalog(session, outbox, demo=True)

What the import does and does not touch:

- departments, licence types, the field library and the 664 items follow the data files;
  rows the files do not name (departments or items operators added) are left alone;
- a department's issuer code that an operator replaced (``issuer_code_placeholder`` false)
  is kept: the files only carry placeholders;
- demo materials (``--demo``) are written only to items whose materials are absent or
  themselves demo; materials an operator set are never overwritten;
- batch 1 of the 免证办 list (the plan's 附件1, 2022-09-30, all 664 items) is published
  if it is missing; a published batch is immutable, so a differing batch 1 is reported, not
  changed.

Each created or changed row emits its ``catalog.*`` event through the outbox in the same
transaction; a second import of the same files changes nothing and emits nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from wuzheng.catalog import data, events
from wuzheng.catalog.exemption_lists import repository as exemption_lists
from wuzheng.catalog.exemption_lists import service as exemption_list_service
from wuzheng.catalog.exemption_lists.schemas import PublishIn
from wuzheng.catalog.items import repository as items
from wuzheng.catalog.models import (
    Department,
    FieldSource,
    Item,
    LicenceType,
    LicenceTypeIssuer,
    Material,
    StandardField,
)
from wuzheng.catalog.settings import CatalogSettings
from wuzheng.contracts import EventPayload
from wuzheng.db import Database, utcnow
from wuzheng.messaging import Outbox
from wuzheng.service import ServiceRuntime

__all__ = [
    "Counts",
    "ImportProgress",
    "ImportReport",
    "SeedOnStart",
    "catalog_is_empty",
    "first_batch",
    "import_catalog",
    "wire_seeding",
]

logger = logging.getLogger("wuzheng.catalog.importer")


@cache
def first_batch() -> PublishIn:
    """The plan's first 免证办 list: 附件1, every item, published by the end of September 2022."""
    return PublishIn(
        batch=1,
        date=dt.date(2022, 9, 30),
        title="第一批电子证照证明免提交事项清单",
        items=[item.seq_no for item in data.load_items()],
    )


STEPS = ("departments", "licence_types", "fields", "items", "materials", "exemption_lists")


class ImportProgress(Protocol):
    """Told what the import is doing (the CLI draws a progress bar from it)."""

    def step(self, name: str, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...


class _Silent:
    def step(self, name: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


@dataclass
class ImportReport:
    counts: dict[str, Counts] = field(default_factory=lambda: {s: Counts() for s in STEPS})
    events: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())

    @property
    def event_count(self) -> int:
        return sum(self.events.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": {name: c.as_dict() for name, c in self.counts.items()},
            "events": dict(sorted(self.events.items())),
            "notes": list(self.notes),
        }


def _differs(row: Any, wanted: dict[str, Any]) -> bool:
    return any(getattr(row, key) != value for key, value in wanted.items())


def _assign(row: Any, wanted: dict[str, Any]) -> None:
    for key, value in wanted.items():
        setattr(row, key, value)


class _Import:
    def __init__(self, session: AsyncSession, outbox: Outbox, progress: ImportProgress) -> None:
        self.session = session
        self.outbox = outbox
        self.progress = progress
        self.report = ImportReport()
        self.announced: list[tuple[EventPayload, str]] = []
        self.departments: dict[str, Department] = {}
        self.renamed_departments: set[str] = set()

    def _count(self, step: str, outcome: str) -> None:
        counts = self.report.counts[step]
        setattr(counts, outcome, getattr(counts, outcome) + 1)
        self.progress.advance()

    def _announce(self, event: tuple[EventPayload, str]) -> None:
        self.announced.append(event)
        name = type(event[0]).event_type
        self.report.events[name] = self.report.events.get(name, 0) + 1

    async def departments_step(self) -> None:
        rows = data.load_departments()
        self.progress.step("departments", len(rows))
        existing = await self.session.scalars(sa.select(Department))
        self.departments = {d.code: d for d in existing}
        for row in rows:
            current = self.departments.get(row.code)
            issuer_code, placeholder = row.issuer_code, row.issuer_code_placeholder
            if current is not None and not current.issuer_code_placeholder and placeholder:
                # An operator put the real USCC in place: the files only have placeholders.
                issuer_code, placeholder = current.issuer_code, False
            wanted = {
                "name": row.name,
                "aliases": list(row.aliases),
                "kind": row.kind,
                "issuer_code": issuer_code,
                "issuer_code_placeholder": placeholder,
            }
            if current is None:
                current = Department(code=row.code, updated_at=utcnow(), **wanted)
                self.session.add(current)
                self.departments[row.code] = current
                self._count("departments", "created")
            elif _differs(current, wanted):
                if current.name != row.name or current.issuer_code != issuer_code:
                    self.renamed_departments.add(row.code)
                _assign(current, wanted)
                current.updated_at = utcnow()
                self._count("departments", "updated")
            else:
                self._count("departments", "unchanged")
                continue
            self._announce(events.department_upserted(current))
        await self.session.flush()

    async def licence_types_step(self) -> None:
        rows = data.load_licence_types()
        self.progress.step("licence_types", len(rows))
        existing = await self.session.scalars(
            sa.select(LicenceType).options(selectinload(LicenceType.issuers))
        )
        by_code = {t.code: t for t in existing}
        for row in rows:
            current = by_code.get(row.code)
            wanted = {
                "seq_no": row.seq_no,
                "name": row.name,
                "holder_kind": row.holder_kind,
                "data_levels": list(row.data_levels),
                "fields": [f.model_dump() for f in row.fields],
            }
            issuers = list(row.issuing_departments)
            if current is None:
                current = LicenceType(code=row.code, updated_at=utcnow(), **wanted)
                current.issuers = [
                    LicenceTypeIssuer(position=i, department_code=code)
                    for i, code in enumerate(issuers, start=1)
                ]
                self.session.add(current)
                self._count("licence_types", "created")
            elif _differs(current, wanted) or [i.department_code for i in current.issuers] != (
                issuers
            ):
                _assign(current, wanted)
                current.issuers = [
                    LicenceTypeIssuer(position=i, department_code=code)
                    for i, code in enumerate(issuers, start=1)
                ]
                current.updated_at = utcnow()
                self._count("licence_types", "updated")
            else:
                self._count("licence_types", "unchanged")
                if not self.renamed_departments.intersection(issuers):
                    continue
            self._announce(
                events.licence_type_upserted(current, [self.departments[c] for c in issuers])
            )
        await self.session.flush()

    async def fields_step(self) -> None:
        rows = data.load_field_library().fields
        self.progress.step("fields", len(rows))
        existing = await self.session.scalars(
            sa.select(StandardField).options(selectinload(StandardField.sources))
        )
        by_key = {f.key: f for f in existing}
        for row in rows:
            current = by_key.get(row.key)
            wanted = {"label": row.label, "type": row.type, "personal": row.personal}
            sources = [(s.licence_type, s.field) for s in row.sources]
            new_sources = [
                FieldSource(position=i, licence_type_code=code, licence_field=key)
                for i, (code, key) in enumerate(sources, start=1)
            ]
            if current is None:
                current = StandardField(key=row.key, updated_at=utcnow(), **wanted)
                current.sources = new_sources
                self.session.add(current)
                self._count("fields", "created")
            elif (
                _differs(current, wanted)
                or [(s.licence_type_code, s.licence_field) for s in current.sources] != sources
            ):
                _assign(current, wanted)
                current.sources = new_sources
                current.updated_at = utcnow()
                self._count("fields", "updated")
            else:
                self._count("fields", "unchanged")
                continue
            self._announce(events.field_upserted(current))
        await self.session.flush()

    async def items_step(self) -> None:
        rows = data.load_items()
        self.progress.step("items", len(rows))
        existing = await self.session.scalars(
            sa.select(Item).where(Item.seq_no.in_([row.seq_no for row in rows]))
        )
        by_seq_no = {i.seq_no: i for i in existing}
        for row in rows:
            current = by_seq_no.get(row.seq_no)
            wanted = {
                "department_code": row.department,
                "department_text": row.department_text,
                "name": row.name,
                "at_city_level": "市级" in row.levels,
                "at_county_level": "县级" in row.levels,
            }
            if current is None:
                current = Item(seq_no=row.seq_no, updated_at=utcnow(), **wanted)
                self.session.add(current)
                self._count("items", "created")
            elif _differs(current, wanted):
                _assign(current, wanted)
                current.updated_at = utcnow()
                self._count("items", "updated")
            else:
                self._count("items", "unchanged")
                continue
            self._announce(events.item_upserted(current))
        await self.session.flush()

    async def materials_step(self, demo: bool) -> None:
        rows = data.load_demo_materials().items if demo else ()
        self.progress.step("materials", len(rows))
        for row in rows:
            current = (
                await self.session.scalars(
                    sa.select(Material)
                    .where(Material.item_seq_no == row.seq_no)
                    .order_by(Material.position)
                )
            ).all()
            if any(m.origin != "demo" for m in current):
                self.report.notes.append(
                    f"item {row.seq_no}: materials maintained by operators kept (demo skipped)"
                )
                self._count("materials", "skipped")
                continue
            wanted = [_demo_material(m) for m in row.materials]
            if [_material_content(m) for m in current] == [_material_content(m) for m in wanted]:
                self._count("materials", "unchanged")
                continue
            await items.replace_materials(self.session, row.seq_no, wanted)
            self._count("materials", "updated" if current else "created")
            self._announce(events.materials_changed(row.seq_no, wanted))

    async def exemption_list_step(self) -> None:
        self.progress.step("exemption_lists", 1)
        published = await exemption_lists.get(self.session, first_batch().batch)
        if published is None:
            _, event = await exemption_list_service.record(self.session, first_batch())
            self._announce(event)
            self._count("exemption_lists", "created")
            return
        listed = await exemption_lists.item_seq_nos(self.session, first_batch().batch)
        if listed == sorted(first_batch().items):
            self._count("exemption_lists", "unchanged")
        else:
            self.report.notes.append(
                "batch 1 differs from the plan's 附件1 but published batches are immutable: "
                "left as published"
            )
            self._count("exemption_lists", "skipped")


def _demo_material(material: data.Material) -> Material:
    return Material(
        name=material.name,
        mode=material.mode,
        licence_type_code=material.licence_type,
        commitment_text=material.commitment_text,
        provider_department_code=material.provider_department,
        legal_basis=material.legal_basis,
        form_fields=list(material.form_fields),
        origin="demo",
    )


def _material_content(material: Material) -> tuple[object, ...]:
    return (
        material.name,
        material.mode,
        material.licence_type_code,
        material.commitment_text,
        material.provider_department_code,
        material.legal_basis,
        tuple(material.form_fields),
        material.origin,
    )


async def import_catalog(
    session: AsyncSession,
    outbox: Outbox,
    *,
    demo: bool = True,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Upsert the bundled data into the session's transaction (the caller commits)."""
    run = _Import(session, outbox, progress or _Silent())
    await run.departments_step()
    await run.licence_types_step()
    await run.fields_step()
    await run.items_step()
    await run.materials_step(demo)
    await run.exemption_list_step()
    await events.emit(session, outbox, run.announced)
    return run.report


def wire_seeding(runtime: ServiceRuntime) -> None:
    """The service kit's ``wire`` hook: seed an empty catalog at start-up (after the outbox
    relay has started, so the seed's events are published right away)."""
    settings = runtime.settings
    assert isinstance(settings, CatalogSettings)
    runtime.add_resource(
        SeedOnStart(runtime.database, runtime.outbox, enabled=settings.seed_on_start)
    )


async def catalog_is_empty(session: AsyncSession) -> bool:
    """True when no department and no item exists yet (a fresh database)."""
    departments = await session.scalar(sa.select(sa.func.count()).select_from(Department))
    items = await session.scalar(sa.select(sa.func.count()).select_from(Item))
    return not departments and not items


class SeedOnStart:
    """A start-up step: import the bundled data (with the demo mapping) into an empty catalog.

    Enabled by ``CATALOG_SEED_ON_START`` (default true). When several replicas start on one
    empty database, one seeds and the others find it seeded (or lose the race on a unique
    key, which is logged and harmless).
    """

    name = "catalog-seed"

    def __init__(self, database: Database, outbox: Outbox, *, enabled: bool = True) -> None:
        self.database = database
        self.outbox = outbox
        self.enabled = enabled
        self.report: ImportReport | None = None

    async def start(self, app: FastAPI) -> None:
        if not self.enabled:
            return
        try:
            async with self.database.transaction() as session:
                if not await catalog_is_empty(session):
                    return
                self.report = await import_catalog(session, self.outbox, demo=True)
        except IntegrityError:
            logger.info("another replica seeded the catalog first")
            return
        logger.info(
            "seeded the empty catalog from the bundled data: %d events",
            self.report.event_count,
        )

    async def stop(self) -> None:
        return None

    async def check(self) -> None:
        return None
