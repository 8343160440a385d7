"""``wuzheng catalog import | export | publish``: operator commands on the catalog's database.

They work on the database the service's settings name (``CATALOG_DATABASE_URL``, else the
SQLite file under ``var/``), not over HTTP, so they run with or without the service up.
Events they cause are written to the outbox in the same transaction as the change; the
catalog's outbox relay publishes them within its poll interval (5 s) while the service runs,
or when it next starts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from wuzheng.catalog.exemption_lists import service as exemption_lists
from wuzheng.catalog.exemption_lists.schemas import PublishIn
from wuzheng.catalog.export import ExportFormat, ExportKind, export_text
from wuzheng.catalog.importer import ImportReport, import_catalog
from wuzheng.catalog.settings import CatalogSettings
from wuzheng.contracts.problems import ProblemError
from wuzheng.db import Database, migrate
from wuzheng.messaging import Outbox, mesh_topology

__all__ = ["parse_item_numbers", "register"]

console = Console(stderr=True)

_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")
MAX_RANGE = 1_000_000


def parse_item_numbers(text: str) -> list[int]:
    """``"1,2,5-9"`` → ``[1, 2, 5, 6, 7, 8, 9]`` (ascending; ``ValueError`` if malformed)."""
    numbers: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(f"{part!r} is neither a number nor a range like 5-9")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first:
            raise ValueError(f"{part!r}: numbers start at 1 and a range goes upwards")
        if last - first >= MAX_RANGE:
            raise ValueError(f"{part!r}: a range may span at most {MAX_RANGE} items")
        numbers.update(range(first, last + 1))
    if not numbers:
        raise ValueError("no item numbers given")
    return sorted(numbers)


def _outbox(settings: CatalogSettings) -> Outbox:
    return Outbox(mesh_topology(namespace=settings.nats_namespace))


class _Bar:
    """Draws the import's progress, one task per step."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def step(self, name: str, total: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total)
        self.task = self.progress.add_task(name.replace("_", " "), total=total)

    def advance(self, count: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, count)


async def _import(settings: CatalogSettings, *, demo: bool, apply_migrations: bool) -> ImportReport:
    url = settings.resolved_database_url
    if apply_migrations:
        await migrate(url, "wuzheng.catalog.migrations")
    database = Database(url)
    try:
        with Progress(
            TextColumn("{task.description:<16}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=False,
        ) as progress:
            async with database.transaction() as session:
                return await import_catalog(
                    session, _outbox(settings), demo=demo, progress=_Bar(progress)
                )
    finally:
        await database.stop()


def _print_report(report: ImportReport) -> None:
    table = Table(title="catalog import")
    for column in ("", "created", "updated", "unchanged", "skipped"):
        table.add_column(column, justify="left" if not column else "right")
    for name, counts in report.counts.items():
        table.add_row(
            name.replace("_", " "),
            *(str(v) for v in counts.as_dict().values()),
        )
    console.print(table)
    for note in report.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    if report.event_count:
        events = ", ".join(f"{n} × {name}" for name, n in sorted(report.events.items()))
        console.print(f"events written to the outbox: {events}")
    else:
        console.print("nothing changed; no events")


async def _export(settings: CatalogSettings, kind: ExportKind, fmt: ExportFormat) -> str:
    database = Database(settings.resolved_database_url)
    try:
        async with database.transaction() as session:
            return await export_text(session, kind, fmt)
    finally:
        await database.stop()


async def _publish(settings: CatalogSettings, new: PublishIn) -> int:
    database = Database(settings.resolved_database_url)
    try:
        async with database.transaction() as session:
            detail = await exemption_lists.publish(session, _outbox(settings), new)
            return detail.item_count
    finally:
        await database.stop()


def _fail(error: ProblemError) -> typer.Exit:
    # The service names request fields ("body.items"); here they are options ("--items").
    detail = (error.detail or "").replace("body.", "--")
    console.print(f"[red]{error.title}:[/red] {detail}")
    return typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``import``, ``export`` and ``publish`` to the service's command."""

    @app.command("import")
    def import_command(
        demo: Annotated[
            bool,
            typer.Option(
                "--demo/--no-demo",
                help="Also load the demo materials (illustrative, labelled demo) for items "
                "that have none or only demo ones.",
            ),
        ] = True,
        apply_migrations: Annotated[
            bool,
            typer.Option("--migrate/--no-migrate", help="Apply the migrations first."),
        ] = True,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the report as JSON on stdout.")
        ] = False,
    ) -> None:
        """Load the plan's lists, the field library and batch 1 of the 免证办 list into the
        database (idempotent: only what changed is written, and only that emits events)."""
        settings = CatalogSettings()
        report = asyncio.run(_import(settings, demo=demo, apply_migrations=apply_migrations))
        if as_json:
            typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            _print_report(report)

    @app.command("export")
    def export_command(
        kind: Annotated[ExportKind, typer.Argument(help="What to export.")] = "items",
        fmt: Annotated[ExportFormat, typer.Option("--format", help="csv or json.")] = "csv",
        out: Annotated[
            Path | None,
            typer.Option("--out", help="Write to this file instead of stdout.", dir_okay=False),
        ] = None,
    ) -> None:
        """Export items, departments or licence types from the database as CSV or JSON."""
        settings = CatalogSettings()
        text = asyncio.run(_export(settings, kind, fmt))
        if out is None:
            sys.stdout.write(text)
        else:
            out.write_text(text, encoding="utf-8")
            console.print(f"wrote {out}")

    @app.command("publish")
    def publish_command(
        batch: Annotated[int, typer.Option(min=1, help="Batch number (after the latest).")],
        date: Annotated[
            dt.datetime,
            typer.Option(formats=["%Y-%m-%d"], help="Date of the list, YYYY-MM-DD."),
        ],
        title: Annotated[str, typer.Option(help="Title of the list.")],
        items: Annotated[
            str, typer.Option(help="Item numbers (序号), e.g. 1,2,5-9: the complete list.")
        ],
    ) -> None:
        """Publish a 免证办 batch (immutable once published) and emit its event."""
        try:
            numbers = parse_item_numbers(items)
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--items") from error
        try:
            new = PublishIn(batch=batch, date=date.date(), title=title, items=numbers)
        except ValueError as error:
            console.print(f"[red]invalid batch:[/red] {error}")
            raise typer.Exit(2) from error
        settings = CatalogSettings()
        try:
            count = asyncio.run(_publish(settings, new))
        except ProblemError as error:
            raise _fail(error) from error
        console.print(f"published batch {batch} ({date.date()}): {count} items")
