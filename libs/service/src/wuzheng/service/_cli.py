from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Annotated

import typer

from wuzheng.db import current_revisions, head_revisions, migrate_sync, utcnow
from wuzheng.messaging import MESH_STREAMS, prune
from wuzheng.service._definition import ServiceDefinition
from wuzheng.service._factory import create_service_app, database_of
from wuzheng.service._telemetry import configure_tracing
from wuzheng.web import serve

# Exit status of `migrate --check` when the database is reachable but not at head.
NOT_AT_HEAD = 3
# Inbox rows make a redelivered event a no-op: keep them as long as a stream keeps events.
MIN_INBOX_DAYS = max(stream.max_age for stream in MESH_STREAMS) / 86_400


def service_cli(definition: ServiceDefinition) -> typer.Typer:
    """``python -m wuzheng.<service>`` and ``wuzheng <service>``: serve, migrate, and any
    command the service adds to the returned Typer app."""
    cli = typer.Typer(
        name=definition.name,
        help=f"{definition.title}: serve it, migrate its database, and operate it.",
        no_args_is_help=True,
    )

    @cli.command("serve")
    def serve_command() -> None:
        """Run the service (settings from the environment; see the README).

        Traces are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
        """
        settings = definition.settings_class()
        provider = configure_tracing(definition.name, definition.version)
        try:
            serve(settings, create_service_app(definition, settings))
        finally:
            if provider is not None:
                provider.shutdown()  # flush the last spans

    @cli.command()
    def migrate(
        revision: Annotated[str, typer.Option(help="Alembic revision to upgrade to.")] = "head",
        check: Annotated[
            bool,
            typer.Option(
                "--check",
                help="Change nothing: exit 0 when the database is at the head revision, "
                f"{NOT_AT_HEAD} when it is not (a Kubernetes init container waits on this "
                "while the migration Job runs).",
            ),
        ] = False,
        wait: Annotated[
            float,
            typer.Option(
                min=0,
                help="With --check: keep checking for up to this many seconds (database "
                "unreachable or behind) before giving up.",
            ),
        ] = 0.0,
    ) -> None:
        """Apply the service's database migrations (idempotent), or --check them."""
        settings = definition.settings_class()
        url = settings.resolved_database_url
        if not check:
            migrate_sync(url, definition.migrations_package, revision)
            typer.echo(f"{definition.name}: database at revision {revision}")
            return
        heads = head_revisions(definition.migrations_package)
        deadline = time.monotonic() + wait
        while True:
            try:
                current = asyncio.run(current_revisions(url))
                problem = None if current == heads else f"at {sorted(current) or 'no revision'}"
            except Exception as exc:  # unreachable, not created yet: worth waiting for
                problem = f"unreachable ({type(exc).__name__})"
            if problem is None:
                typer.echo(f"{definition.name}: database at head {sorted(heads)}")
                return
            if time.monotonic() >= deadline:
                typer.echo(
                    f"{definition.name}: database {problem}, head is {sorted(heads)}", err=True
                )
                raise typer.Exit(NOT_AT_HEAD)
            time.sleep(min(2.0, max(0.1, deadline - time.monotonic())))

    @cli.command("prune-events")
    def prune_events(
        sent_older_than_hours: Annotated[
            float, typer.Option(min=0, help="Delete outbox rows published longer ago.")
        ] = 24.0,
        inbox_older_than_days: Annotated[
            float,
            typer.Option(
                min=MIN_INBOX_DAYS,
                help="Delete inbox rows older than this: at least the streams' max age, and "
                "longer than any dead letter you may still replay.",
            ),
        ] = MIN_INBOX_DAYS + 5,
    ) -> None:
        """Delete published outbox rows and old inbox rows (a daily CronJob); waiting and
        failed events are never touched."""
        settings = definition.settings_class()
        now = utcnow()

        async def run() -> tuple[int, int]:
            database = database_of(settings)
            try:
                pruned = await prune(
                    database,
                    sent_before=now - timedelta(hours=sent_older_than_hours),
                    inbox_before=now - timedelta(days=inbox_older_than_days),
                )
            finally:
                await database.stop()
            return pruned.sent_outbox_rows, pruned.inbox_rows

        sent, received = asyncio.run(run())
        typer.echo(f"{definition.name}: pruned {sent} outbox row(s), {received} inbox row(s)")

    return cli
