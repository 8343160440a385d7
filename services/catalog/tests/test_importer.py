"""The import of the bundled data: complete, idempotent, respectful of operators' changes;
and the start-up seed of an empty catalog."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa

from wuzheng.catalog.app import DEFINITION
from wuzheng.catalog.data import load_demo_materials, load_items
from wuzheng.catalog.importer import ImportReport, import_catalog
from wuzheng.catalog.models import Department, ExemptionListItem, Item, Material
from wuzheng.catalog.testing import outbox_envelopes, wait_outbox_drained
from wuzheng.contracts import EventEnvelope
from wuzheng.db import Database, migrate
from wuzheng.messaging import Outbox, outbox_table
from wuzheng.service.testing import ServiceHarness

FIRST_IMPORT_EVENTS = {
    "catalog.department.upserted": 22,
    "catalog.licence_type.upserted": 50,
    "catalog.field.upserted": 58,
    "catalog.item.upserted": 664,
    "catalog.item.materials_changed": 13,
    "catalog.exemption_list.published": 1,
}


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await migrate(database_url, DEFINITION.migrations_package)
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.stop()


async def run_import(database: Database, **options: Any) -> ImportReport:
    async with database.transaction() as session:
        return await import_catalog(session, Outbox(), **options)


async def outbox(database: Database) -> list[EventEnvelope]:
    async with database.sessionmaker() as session:
        rows = await session.scalars(sa.select(outbox_table.c.payload))
        return [EventEnvelope.from_bytes(raw) for raw in rows]


class Recorder:
    def __init__(self) -> None:
        self.steps: list[tuple[str, int]] = []
        self.advanced: dict[str, int] = {}

    def step(self, name: str, total: int) -> None:
        self.steps.append((name, total))
        self.advanced[name] = 0

    def advance(self, count: int = 1) -> None:
        self.advanced[self.steps[-1][0]] += count


async def test_first_import_loads_everything_and_announces_it(database: Database) -> None:
    progress = Recorder()
    report = await run_import(database, progress=progress)
    assert {name: c.created for name, c in report.counts.items()} == {
        "departments": 22,
        "licence_types": 50,
        "fields": 58,
        "items": 664,
        "materials": 13,
        "exemption_lists": 1,
    }
    assert report.events == FIRST_IMPORT_EVENTS
    assert progress.steps == [
        ("departments", 22),
        ("licence_types", 50),
        ("fields", 58),
        ("items", 664),
        ("materials", 13),
        ("exemption_lists", 1),
    ]
    assert progress.advanced == dict(progress.steps)

    envelopes = await outbox(database)
    assert len(envelopes) == sum(FIRST_IMPORT_EVENTS.values())
    assert {e.source for e in envelopes} == {"/wuzheng/catalog"}
    payloads = [e.payload() for e in envelopes]  # every one decodes to its contract
    item = next(p for p in payloads if p.event_type == "catalog.item.upserted" and p.seq_no == 41)
    assert item.name == "普通护照签发"
    assert item.levels == ("市级", "县级")

    async with database.sessionmaker() as session:
        materials = (await session.scalars(sa.select(Material))).all()
        assert {m.origin for m in materials} == {"demo"}
        assert len(materials) == sum(len(d.materials) for d in load_demo_materials().items)


async def test_a_second_import_changes_nothing_and_emits_nothing(database: Database) -> None:
    await run_import(database)
    before = len(await outbox(database))
    report = await run_import(database)
    assert not report.changed
    assert report.event_count == 0
    assert report.notes == []
    assert {name: c.unchanged for name, c in report.counts.items()} == {
        "departments": 22,
        "licence_types": 50,
        "fields": 58,
        "items": 664,
        "materials": 13,
        "exemption_lists": 1,
    }
    assert len(await outbox(database)) == before


async def test_demo_materials_are_optional(database: Database) -> None:
    report = await run_import(database, demo=False)
    assert report.counts["materials"].created == 0
    assert "catalog.item.materials_changed" not in report.events
    later = await run_import(database, demo=True)
    assert later.counts["materials"].created == 13
    assert later.events == {"catalog.item.materials_changed": 13}


async def test_only_what_drifted_is_restored_and_announced(database: Database) -> None:
    await run_import(database)
    async with database.transaction() as session:
        item = await session.get(Item, 41)
        assert item is not None
        item.name = "护照"
        department = await session.get(Department, "disabled-persons-federation")
        assert department is not None
        department.name = "残联"
    before = len(await outbox(database))
    report = await run_import(database)
    assert report.counts["items"].updated == 1
    assert report.counts["departments"].updated == 1
    # the department's licence types carry its name: they are announced again
    assert report.events == {
        "catalog.item.upserted": 1,
        "catalog.department.upserted": 1,
        "catalog.licence_type.upserted": 1,  # 残疾人证
    }
    new = (await outbox(database))[before:]
    assert len(new) == 3
    async with database.sessionmaker() as session:
        assert (await session.get(Item, 41)).name == "普通护照签发"  # type: ignore[union-attr]


async def test_operators_changes_survive_an_import(database: Database) -> None:
    await run_import(database)
    async with database.transaction() as session:
        police = await session.get(Department, "public-security")
        assert police is not None
        police.issuer_code = "11370784MB0000001Y"
        police.issuer_code_placeholder = False
        await session.execute(
            sa.update(Material).where(Material.item_seq_no == 5).values(origin="operator")
        )
    report = await run_import(database)
    assert report.event_count == 0
    assert report.counts["materials"].skipped == 1
    assert report.notes == ["item 5: materials maintained by operators kept (demo skipped)"]
    async with database.sessionmaker() as session:
        police = await session.get(Department, "public-security")
        assert police is not None
        assert (police.issuer_code, police.issuer_code_placeholder) == ("11370784MB0000001Y", False)


async def test_a_differing_first_batch_is_reported_not_changed(database: Database) -> None:
    await run_import(database)
    async with database.transaction() as session:
        await session.execute(
            sa.delete(ExemptionListItem).where(ExemptionListItem.item_seq_no == 664)
        )
    report = await run_import(database)
    assert report.counts["exemption_lists"].skipped == 1
    assert "batch 1 differs" in report.notes[0]
    assert report.event_count == 0


async def test_an_empty_catalog_is_seeded_once_at_start(service_harness: ServiceHarness) -> None:
    url = await service_harness.databases.create("catalog")
    async with service_harness.run(DEFINITION, database_url=url) as service:
        runtime = service.runtime
        total = sum(FIRST_IMPORT_EVENTS.values())
        assert len(await outbox_envelopes(runtime)) == total
        await wait_outbox_drained(runtime)  # every seed event really went to JetStream
        stream = await runtime.nats.js.stream_info(runtime.topology.stream_name("CATALOG"))
        assert stream.state.messages == total
        page = (await service.client.get("/v1/items", params={"limit": 1})).json()
        assert page["total"] == len(load_items())
    async with service_harness.run(DEFINITION, database_url=url) as service:
        assert len(await outbox_envelopes(service.runtime)) == total  # not seeded again


async def test_seeding_can_be_switched_off(service_harness: ServiceHarness) -> None:
    async with service_harness.run(DEFINITION, seed_on_start=False) as service:
        assert (await service.client.get("/v1/items")).json()["total"] == 0
        assert (await service.client.get("/v1/departments")).json() == []
        assert await outbox_envelopes(service.runtime) == []
