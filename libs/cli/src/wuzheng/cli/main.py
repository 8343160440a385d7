"""``wuzheng``: the operator command."""

from __future__ import annotations

import os
from datetime import timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wuzheng.auth import SCOPES, ensure_dev_signing_key, mint_token
from wuzheng.cli._launcher import Launcher, LaunchError
from wuzheng.cli._services import DEFAULT_BASE_PORT, EMBEDDED_NATS_PORT, services_from

app = typer.Typer(
    name="wuzheng",
    help="Operate the wuzheng mesh: run it locally, mint dev tokens, and use each "
    "service's own commands (wuzheng catalog …).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
console = Console(stderr=True)

VarDirOption = Annotated[
    Path,
    typer.Option(
        "--var-dir",
        envvar="WUZHENG_VAR_DIR",
        help="Where local state lives: SQLite files, the NATS store, logs, the dev key.",
    ),
]


@app.command()
def run(
    var_dir: VarDirOption = Path("var"),
    nats_url: Annotated[
        str | None,
        typer.Option(envvar="NATS_URL", help="Use this NATS instead of starting one."),
    ] = None,
    nats_port: Annotated[
        int, typer.Option(help="Port of the embedded nats-server (when NATS_URL is unset).")
    ] = EMBEDDED_NATS_PORT,
    base_port: Annotated[
        int,
        typer.Option(help="Port of catalog; the others follow (issuance +1 … dispute +4)."),
    ] = DEFAULT_BASE_PORT,
) -> None:
    """Start nats-server, migrate, start all five services, and wait for Ctrl-C."""
    ensure_dev_signing_key(var_dir)
    launcher = Launcher(
        var_dir,
        nats_url=nats_url or None,
        nats_port=nats_port,
        services=services_from(base_port),
        console=console,
    )
    try:
        launcher.start()
    except LaunchError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    console.print(launcher.summary())
    console.print(
        "Get a token:  [bold]make token ARGS='--department public-security "
        "--scope verify:request'[/bold]  (or .venv/bin/wuzheng token --help)\n"
        f"Logs:         {launcher.var_dir / 'log'}\n"
        "Stop:         Ctrl-C"
    )
    raise typer.Exit(launcher.run_until_interrupted())


@app.command()
def token(
    department: Annotated[
        str, typer.Option(help="Department code of the caller, e.g. public-security.")
    ],
    scope: Annotated[
        list[str], typer.Option(help="A scope to grant; repeat for several (see `scopes`).")
    ],
    operator: Annotated[
        str | None, typer.Option(help="Operator id of the person at the counter.")
    ] = None,
    subject: Annotated[
        str | None, typer.Option(help="Token subject; defaults to the department.")
    ] = None,
    ttl_minutes: Annotated[int, typer.Option(min=1, max=7 * 24 * 60)] = 8 * 60,
    var_dir: VarDirOption = Path("var"),
) -> None:
    """Print a bearer token signed by the local dev key (dev and test only)."""
    if os.environ.get("WUZHENG_ENV", "dev") not in ("dev", "test"):
        console.print("[red]dev tokens are for WUZHENG_ENV=dev or test; use your IdP[/red]")
        raise typer.Exit(2)
    try:
        minted = mint_token(
            var_dir,
            department=department,
            scopes=scope,
            operator=operator,
            subject=subject,
            ttl=timedelta(minutes=ttl_minutes),
        )
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    typer.echo(minted)


@app.command()
def scopes() -> None:
    """List every scope the services check, with what it allows."""
    for name, description in sorted(SCOPES.items()):
        typer.echo(f"{name:20} {description}")


def _add_service_commands() -> None:
    # Services contribute `wuzheng <service> …` through entry points; this package never
    # imports a service directly.
    for entry in entry_points(group="wuzheng.cli"):
        try:
            sub_app = entry.load()
        except ImportError as error:  # a half-installed service must not break the rest
            console.print(f"[yellow]skipping `{entry.name}` commands: {error}[/yellow]")
            continue
        app.add_typer(sub_app, name=entry.name)


_add_service_commands()


if __name__ == "__main__":
    app()
