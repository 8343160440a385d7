"""``wuzheng``: the operator command."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wuzheng.auth import SCOPES, ensure_dev_signing_key, mint_token
from wuzheng.cli._launcher import Launcher, LaunchError
from wuzheng.cli._outbox import dead_letters_app, outbox_app
from wuzheng.cli._seals import seals_app
from wuzheng.cli._services import DEFAULT_BASE_PORT, EMBEDDED_NATS_PORT, services_from
from wuzheng.cli._status import mesh_status, render
from wuzheng.cli._targets import SERVICE_NAMES, service_url, url_variable
from wuzheng.cli.demo import demo
from wuzheng.settings import DEFAULT_NATS_URL

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


@app.command()
def status(
    url: Annotated[
        list[str] | None,
        typer.Option(
            help="SERVICE=URL of a service (repeat); default "
            f"{url_variable('<service>')}, else the local "
            "launcher's port.",
            show_default=False,
        ),
    ] = None,
    nats_url: Annotated[
        str,
        typer.Option(envvar="NATS_URL", help="NATS to read the streams and consumers from."),
    ] = DEFAULT_NATS_URL,
    namespace: Annotated[
        str,
        typer.Option(envvar="WUZHENG_NATS_NAMESPACE", help="The mesh's stream namespace, if any."),
    ] = "",
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds per HTTP or NATS call.")] = 3.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Every service's liveness, readiness and version, and each JetStream consumer's lag.

    Readiness names the resource that is not ready (database, nats, a consumer …).

    Exits 1 unless every service is ready and every stream of the mesh exists.
    """
    overrides: dict[str, str] = {}
    for item in url or []:
        name, sep, value = item.partition("=")
        if not sep or name not in SERVICE_NAMES or not value:
            raise typer.BadParameter(
                f"{item!r}: use SERVICE=URL with one of {', '.join(SERVICE_NAMES)}",
                param_hint="--url",
            )
        overrides[name] = value
    targets = [(name, service_url(name, overrides.get(name))) for name in SERVICE_NAMES]
    found = asyncio.run(mesh_status(targets, nats_url, namespace, timeout))
    if as_json:
        typer.echo(json.dumps(found.as_dict(), ensure_ascii=False))
    else:
        render(found, Console())
    if not found.healthy:
        raise typer.Exit(1)


app.add_typer(outbox_app, name="outbox")
app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(seals_app, name="seals")
app.command(name="demo")(demo)


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
