"""``wuzheng outbox …`` and ``wuzheng dead-letters …``: a service's event path, read from
(and repaired in) its own database with the messaging lib's functions."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.table import Table

from wuzheng.cli._targets import DatabaseUrlOption, ServiceOption, database_url, redact_url
from wuzheng.db import Database, utcnow
from wuzheng.messaging import (
    MESH_STREAMS,
    dead_letter_table,
    outbox_backlog,
    prune,
    replay_dead_letters,
    retry_failed,
)
from wuzheng.web import mask_personal_data

T = TypeVar("T")

out = Console()
err = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

outbox_app = typer.Typer(
    name="outbox",
    help="A service's transactional outbox: what waits to be published, and retrying what gave up.",
    no_args_is_help=True,
)
dead_letters_app = typer.Typer(
    name="dead-letters",
    help="Events a service's consumers could not apply (poison, or out of attempts): list "
    "them, look at one, and replay them once the cause is fixed.",
    no_args_is_help=True,
)


def with_database(url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` against the database at ``url``; a clear exit when it cannot be read."""
    if url.startswith("sqlite") and "///" in url:
        path = Path(url.split("///", 1)[1].split("?", 1)[0])
        if not path.exists():
            err.print(f"[red]no database at {path}: has the service been migrated here?[/red]")
            raise typer.Exit(1)

    async def run() -> T:
        database = Database(url)
        try:
            return await work(database)
        finally:
            await database.stop()

    try:
        return asyncio.run(run())
    except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.InterfaceError) as error:
        reason = str(error.orig) if error.orig is not None else str(error)
        if "no such table" in reason or "does not exist" in reason:
            err.print(f"[red]{redact_url(url)} has no messaging tables (not migrated?)[/red]")
        else:
            err.print(f"[red]cannot read the database at {redact_url(url)}: {reason}[/red]")
        raise typer.Exit(1) from error
    except OSError as error:
        err.print(f"[red]cannot reach the database at {redact_url(url)}: {error}[/red]")
        raise typer.Exit(1) from error


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -- outbox ----------------------------------------------------------------------------


@outbox_app.command("backlog")
def backlog(
    service: ServiceOption,
    database: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """How many events wait in the outbox (pending), gave up (failed), the oldest waiting
    one's age, and unreplayed dead letters. Exits 1 when any row failed."""
    url = database_url(service, database)
    found = with_database(url, outbox_backlog)
    if as_json:
        typer.echo(json.dumps({"service": service, **found.as_dict()}))
    else:
        table = Table(title=f"{service} outbox ({redact_url(url)})")
        for column in ("pending", "failed", "oldest pending", "dead letters"):
            table.add_column(column, justify="right")
        table.add_row(
            str(found.pending),
            str(found.failed),
            _iso(found.oldest_pending_at) or "-",
            str(found.dead_letters),
        )
        out.print(table)
        if found.failed:
            out.print(
                f"{found.failed} event(s) gave up: fix the cause (NATS, stream limits), then "
                f"[bold]wuzheng outbox retry --service {service}[/bold]"
            )
    if found.failed:
        raise typer.Exit(1)


@outbox_app.command("retry")
def retry(
    service: ServiceOption,
    event_id: Annotated[
        list[str] | None,
        typer.Option("--id", help="Only this failed event (repeat for several); default: all."),
    ] = None,
    database: DatabaseUrlOption = None,
) -> None:
    """Put failed outbox rows back to pending; the service's relay publishes them again."""
    url = database_url(service, database)
    count = with_database(url, lambda db: retry_failed(db, event_id or None))
    typer.echo(f"{service}: {count} failed event(s) queued again")


_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# Inbox rows make a redelivered event a no-op: keep them as long as a stream keeps events.
MIN_INBOX_RETENTION = timedelta(seconds=max(stream.max_age for stream in MESH_STREAMS))


def parse_duration(value: str) -> timedelta:
    match = _DURATION.match(value.strip())
    if not match:
        raise typer.BadParameter(f"{value!r}: a number and a unit, e.g. 12h or 35d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@outbox_app.command("prune")
def prune_command(
    service: ServiceOption,
    sent_older_than: Annotated[
        str, typer.Option(help="Delete outbox rows published longer ago than this (12h, 7d).")
    ] = "1d",
    inbox_older_than: Annotated[
        str | None,
        typer.Option(
            help="Also delete inbox rows older than this; at least the streams' max age "
            f"({MIN_INBOX_RETENTION.days}d) and the age of any dead letter you may replay.",
            show_default=False,
        ),
    ] = None,
    database: DatabaseUrlOption = None,
) -> None:
    """Delete published outbox rows (and old inbox rows) so the tables stay small; waiting
    and failed events are never touched. Run it daily (a CronJob)."""
    now = utcnow()
    sent_before = now - parse_duration(sent_older_than)
    inbox_before = None
    if inbox_older_than is not None:
        retention = parse_duration(inbox_older_than)
        if retention < MIN_INBOX_RETENTION:
            raise typer.BadParameter(
                f"keep inbox rows at least {MIN_INBOX_RETENTION.days}d: a redelivered or "
                "replayed event must still be recognised",
                param_hint="--inbox-older-than",
            )
        inbox_before = now - retention
    url = database_url(service, database)
    pruned = with_database(
        url, lambda db: prune(db, sent_before=sent_before, inbox_before=inbox_before)
    )
    typer.echo(
        f"{service}: deleted {pruned.sent_outbox_rows} published outbox row(s) and "
        f"{pruned.inbox_rows} inbox row(s)"
    )


# -- dead letters ----------------------------------------------------------------------


def _letter_row(letter: Any) -> dict[str, Any]:
    return {
        "id": letter.id,
        "consumer": letter.consumer,
        "subject": letter.subject,
        "event_id": letter.event_id,
        "attempts": letter.attempts,
        "error": letter.error,
        "recorded_at": _iso(letter.recorded_at),
        "replayed_at": _iso(letter.replayed_at),
    }


async def _list_letters(
    database: Database, consumer: str | None, include_replayed: bool, limit: int
) -> list[dict[str, Any]]:
    query = sa.select(dead_letter_table).order_by(dead_letter_table.c.id).limit(limit)
    if consumer:
        query = query.where(dead_letter_table.c.consumer == consumer)
    if not include_replayed:
        query = query.where(dead_letter_table.c.replayed_at.is_(None))
    async with database.sessionmaker() as session:
        return [_letter_row(letter) for letter in (await session.execute(query)).all()]


@dead_letters_app.command("list")
def list_letters(
    service: ServiceOption,
    consumer: Annotated[
        str | None, typer.Option(help="Only this durable consumer's dead letters.")
    ] = None,
    include_replayed: Annotated[
        bool, typer.Option("--all", help="Include dead letters already replayed.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, oldest first.")] = 100,
    database: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """The service's dead letters, oldest first (unreplayed ones unless --all)."""
    url = database_url(service, database)
    letters = with_database(url, lambda db: _list_letters(db, consumer, include_replayed, limit))
    if as_json:
        typer.echo(
            json.dumps([{**row, "error": mask_personal_data(row["error"])} for row in letters])
        )
        return
    if not letters:
        out.print(f"{service}: no dead letters")
        return
    table = Table(title=f"{service} dead letters")
    for column in (
        "id",
        "consumer",
        "subject",
        "event id",
        "tries",
        "recorded",
        "replayed",
        "error",
    ):
        table.add_column(column)
    for row in letters:
        table.add_row(
            str(row["id"]),
            row["consumer"],
            row["subject"],
            row["event_id"] or "-",
            str(row["attempts"]),
            row["recorded_at"] or "-",
            row["replayed_at"] or "-",
            mask_personal_data(row["error"])[:120],
        )
    out.print(table)


async def _one_letter(database: Database, letter_id: int) -> tuple[dict[str, Any], bytes] | None:
    async with database.sessionmaker() as session:
        letter = (
            await session.execute(
                sa.select(dead_letter_table).where(dead_letter_table.c.id == letter_id)
            )
        ).one_or_none()
    if letter is None:
        return None
    row = _letter_row(letter)
    row["headers"] = dict(letter.headers or {})
    return row, bytes(letter.payload)


def _payload(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return raw.decode("utf-8", errors="replace")


@dead_letters_app.command("show")
def show(
    letter_id: Annotated[int, typer.Argument(help="The dead letter's id (from `list`).")],
    service: ServiceOption,
    reveal: Annotated[
        bool,
        typer.Option(
            "--reveal",
            help="Show personal data (resident ID numbers) unmasked. Every use is the "
            "operator's to justify.",
        ),
    ] = False,
    database: DatabaseUrlOption = None,
) -> None:
    """One dead letter in full: why it failed, its headers and the event it carried (ID
    numbers masked unless --reveal)."""
    url = database_url(service, database)
    found = with_database(url, lambda db: _one_letter(db, letter_id))
    if found is None:
        err.print(f"[red]{service} has no dead letter {letter_id}[/red]")
        raise typer.Exit(1)
    row, payload = found
    text = json.dumps(
        {**row, "event": _payload(payload)}, ensure_ascii=False, indent=2, default=str
    )
    typer.echo(text if reveal else mask_personal_data(text))


@dead_letters_app.command("replay")
def replay(
    service: ServiceOption,
    letter_ids: Annotated[
        list[int] | None,
        typer.Argument(help="Ids of the dead letters to replay (from `list`).", show_default=False),
    ] = None,
    replay_all: Annotated[
        bool, typer.Option("--all", help="Replay every unreplayed dead letter.")
    ] = False,
    database: DatabaseUrlOption = None,
) -> None:
    """Send dead letters again once their cause is fixed: each goes back through the
    service's outbox under a fresh message id; consumers that applied it before skip it."""
    if bool(letter_ids) == replay_all:
        err.print("[red]name the dead letters to replay, or pass --all (not both)[/red]")
        raise typer.Exit(2)
    url = database_url(service, database)
    ids: Sequence[int] | None = None if replay_all else letter_ids
    count = with_database(url, lambda db: replay_dead_letters(db, ids))
    typer.echo(
        f"{service}: {count} dead letter(s) queued in the outbox; the service's relay "
        "publishes them within its poll interval"
    )
    if letter_ids and count < len(letter_ids):
        err.print(f"[yellow]{len(letter_ids) - count} id(s) not found[/yellow]")
        raise typer.Exit(1)
