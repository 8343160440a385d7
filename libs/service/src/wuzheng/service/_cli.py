from __future__ import annotations

from typing import Annotated

import typer

from wuzheng.db import migrate_sync
from wuzheng.service._definition import ServiceDefinition
from wuzheng.service._factory import create_service_app
from wuzheng.web import serve


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
        """Run the service (settings from the environment; see the README)."""
        settings = definition.settings_class()
        serve(settings, create_service_app(definition, settings))

    @cli.command()
    def migrate(
        revision: Annotated[str, typer.Option(help="Alembic revision to upgrade to.")] = "head",
    ) -> None:
        """Apply the service's database migrations (idempotent)."""
        settings = definition.settings_class()
        migrate_sync(settings.resolved_database_url, definition.migrations_package, revision)
        typer.echo(f"{definition.name}: database at revision {revision}")

    return cli
