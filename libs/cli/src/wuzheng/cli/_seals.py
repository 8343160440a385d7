"""``wuzheng seals rotate``: put a fresh seal key in place for an issuer, through the
issuance service's ``POST /v1/issuers/{issuer_code}/keys/rotate`` (scope
``licences:manage``, acting for the issuer's own department). Old public keys stay in the
issuer's JWKS, so licences sealed before keep verifying."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from wuzheng.auth import mint_token
from wuzheng.cli._targets import service_url, url_variable

err = Console(stderr=True)

ROTATE_PATH = "/v1/issuers/{issuer_code}/keys/rotate"
MANAGE_SCOPE = "licences:manage"
SUITES = ("ed25519", "sm2-sm3")

seals_app = typer.Typer(
    name="seals",
    help="Issuers' electronic seal keys (电子印章), kept by the issuance service.",
    no_args_is_help=True,
)


class RotationFailed(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


async def issuer_department(client: httpx.AsyncClient, issuer_code: str) -> str | None:
    """The department an issuer code belongs to, from the public ``GET /v1/issuers``."""
    response = await client.get("/v1/issuers")
    response.raise_for_status()
    for issuer in response.json():
        if issuer.get("issuer_code") == issuer_code:
            department = issuer.get("department")
            return str(department) if department else None
    return None


async def rotate_seal(
    client: httpx.AsyncClient, issuer_code: str, token: str, suite: str | None = None
) -> dict[str, Any]:
    """Ask the issuance service at ``client``'s base URL to rotate the issuer's seal key."""
    response = await client.post(
        ROTATE_PATH.format(issuer_code=issuer_code),
        json={"suite": suite} if suite else {},
        headers={"Authorization": f"Bearer {token}"},
    )
    if response.status_code != 200:
        try:
            problem = response.json()
            detail = problem.get("detail") or problem.get("title") or response.text
        except ValueError:
            detail = response.text
        raise RotationFailed(response.status_code, str(detail))
    body: dict[str, Any] = response.json()
    return body


@seals_app.command("rotate")
def rotate(
    issuer: Annotated[
        str, typer.Option("--issuer", help="Issuer code: the department's 18-character USCC.")
    ],
    suite: Annotated[
        str | None,
        typer.Option(
            help=f"Suite of the new key ({' or '.join(SUITES)}); default: the current one. "
            "sm2-sm3 moves the issuer to 国密 seals.",
            show_default=False,
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            help=f"Issuance service URL; default {url_variable('issuance')}, else the local "
            "launcher's.",
            show_default=False,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="WUZHENG_TOKEN",
            help="Bearer token with licences:manage for the issuer's department (from your "
            "IdP). In dev/test, omitted: one is minted with the local dev key.",
            show_default=False,
        ),
    ] = None,
    department: Annotated[
        str | None,
        typer.Option(
            help="Dev only: the department to mint the token for (default: the issuer's, as "
            "the issuance service lists it).",
            show_default=False,
        ),
    ] = None,
    var_dir: Annotated[
        Path, typer.Option(envvar="WUZHENG_VAR_DIR", help="Where the dev signing key lives.")
    ] = Path("var"),
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for the answer.")] = 10,
) -> None:
    """Rotate an issuer's seal key; prints the new key id and the published JWKS."""
    if suite is not None and suite not in SUITES:
        raise typer.BadParameter(f"{suite!r}: one of {', '.join(SUITES)}", param_hint="--suite")
    base = service_url("issuance", url)
    if token is None:
        if os.environ.get("WUZHENG_ENV", "dev") not in ("dev", "test"):
            err.print(
                "[red]pass --token (or WUZHENG_TOKEN): a token with licences:manage for the "
                "issuer's department, from your IdP[/red]"
            )
            raise typer.Exit(2)
        if department:
            token = mint_token(
                var_dir, department=department, scopes=[MANAGE_SCOPE], operator="wuzheng-cli"
            )
    try:
        result = asyncio.run(_rotate(base, issuer, token, suite, timeout, var_dir))
    except RotationFailed as error:
        err.print(f"[red]rotation refused ({error.status}): {error.detail}[/red]")
        raise typer.Exit(1) from error
    except httpx.HTTPError as error:
        err.print(f"[red]cannot reach the issuance service at {base}: {error!r}[/red]")
        raise typer.Exit(1) from error
    err.print(
        f"issuer {result.get('issuer_code')} ({result.get('department')}): new active key "
        f"[bold]{result.get('active_kid')}[/bold], suite {result.get('suite')}"
    )
    typer.echo(json.dumps(result.get("jwks", {}), ensure_ascii=False, indent=2))


async def _rotate(
    base: str,
    issuer: str,
    token: str | None,
    suite: str | None,
    timeout: float,  # noqa: ASYNC109 - an HTTP timeout
    var_dir: Path,
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=timeout) as client:
        if token is None:
            department = await issuer_department(client, issuer)
            if department is None:
                raise RotationFailed(
                    404,
                    f"the issuance service lists no issuer {issuer}; pass --department to "
                    "mint a token for its department",
                )
            token = mint_token(
                var_dir, department=department, scopes=[MANAGE_SCOPE], operator="wuzheng-cli"
            )
        return await rotate_seal(client, issuer, token, suite)
