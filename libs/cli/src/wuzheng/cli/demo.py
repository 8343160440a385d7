"""``wuzheng demo`` (``make demo``): the whole journey against a running ``make run``.

Issues a 居民身份证 and a 营业执照, shows the resident code, scans it at a counter, takes
the holder's consent, asks for the evidence, verifies with the issuer, files and resolves a
dispute that amends a licence and tells the department that used the old version, and lists
the holder's access log — printing every call as it is made. See docs/journey.md.

Also runnable as ``python -m wuzheng.cli.demo``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from wuzheng.cli._journey import JourneyError, MeshNotRunning, MeshUrls, run_journey

_LOCAL = MeshUrls.local()


def _url(service: str) -> Any:  # typer.Option is typed to return Any
    return typer.Option(
        f"--{service}-url",
        envvar=f"WUZHENG_{service.upper()}_URL",
        help=f"Base URL of the {service} service (default: the launcher's port).",
    )


def demo(
    var_dir: Annotated[
        Path,
        typer.Option(
            "--var-dir",
            envvar="WUZHENG_VAR_DIR",
            help="The running mesh's var dir: its dev signing key mints the tokens; the QR "
            "PNG is saved under <var-dir>/demo/.",
        ),
    ] = Path("var"),
    catalog_url: Annotated[str, _url("catalog")] = _LOCAL.catalog,
    issuance_url: Annotated[str, _url("issuance")] = _LOCAL.issuance,
    verification_url: Annotated[str, _url("verification")] = _LOCAL.verification,
    rescode_url: Annotated[str, _url("rescode")] = _LOCAL.rescode,
    dispute_url: Annotated[str, _url("dispute")] = _LOCAL.dispute,
    timeout: Annotated[
        float, typer.Option(min=1.0, help="Seconds to wait for each event to arrive.")
    ] = 60.0,
) -> None:
    """Run the whole journey against a running mesh (start it with `make run` first)."""
    # wide enough for the tables when piped (rich assumes 80 columns then)
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    urls = MeshUrls(
        catalog=catalog_url,
        issuance=issuance_url,
        verification=verification_url,
        rescode=rescode_url,
        dispute=dispute_url,
    )
    try:
        result = asyncio.run(run_journey(urls, var_dir, console=console, timeout=timeout))
    except MeshNotRunning as error:
        console.print(f"\n[red bold]The mesh is not running:[/red bold] {error}")
        console.print(
            "Start it with [bold]make run[/bold] in another terminal, then "
            "[bold]make demo[/bold] again (other URLs or var dir: "
            "[bold]wuzheng demo --help[/bold])."
        )
        raise typer.Exit(2) from error
    except JourneyError as error:
        console.print(f"\n[red bold]The journey stopped:[/red bold] {error}")
        console.print(f"Service logs: {var_dir / 'log'}")
        raise typer.Exit(1) from error
    calls = sum(len(step.calls) for step in result.steps)
    console.print(
        f"\n[green bold]Done:[/green bold] {len(result.steps)} steps, {calls} HTTP calls, "
        f"{result.seconds:.1f} s. Resident code image: {result.qr_png}"
    )


app = typer.Typer(add_completion=False)
app.command(help=demo.__doc__)(demo)

__all__ = ["app", "demo"]

if __name__ == "__main__":
    app()
