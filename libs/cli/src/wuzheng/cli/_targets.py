"""Where the operator commands find a service: its HTTP URL and its database.

Both come from the environment the service itself reads, so an operator shell configured
like the service (``CATALOG_DATABASE_URL=…``) needs no options; options override.

- URL: ``--url``, else ``WUZHENG_<SERVICE>_URL`` (e.g. ``WUZHENG_ISSUANCE_URL``), else the
  local launcher's ``http://127.0.0.1:<port>``.
- Database: ``--database-url``, else ``<SERVICE>_DATABASE_URL``, else the service's SQLite
  file under ``WUZHENG_VAR_DIR`` (``var/db/<service>.sqlite3``), as the service resolves it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from wuzheng.cli._services import SERVICES, LocalService

SERVICE_NAMES: tuple[str, ...] = tuple(service.name for service in SERVICES)


def _known_service(name: str) -> str:
    if name not in SERVICE_NAMES:
        raise typer.BadParameter(f"{name!r} is not a service; one of {', '.join(SERVICE_NAMES)}")
    return name


ServiceOption = Annotated[
    str,
    typer.Option(
        "--service",
        "-s",
        callback=_known_service,
        help=f"The service whose database to read: {', '.join(SERVICE_NAMES)}.",
    ),
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL of the service's database; default: <SERVICE>_DATABASE_URL, "
        "else its SQLite file under WUZHENG_VAR_DIR.",
        show_default=False,
    ),
]


def local_service(name: str) -> LocalService:
    for service in SERVICES:
        if service.name == name:
            return service
    raise ValueError(f"unknown service {name!r}; one of {', '.join(SERVICE_NAMES)}")


def url_variable(name: str) -> str:
    return f"WUZHENG_{name.upper()}_URL"


def service_url(
    name: str, override: str | None = None, environ: Mapping[str, str] | None = None
) -> str:
    env = os.environ if environ is None else environ
    url = override or env.get(url_variable(name)) or local_service(name).url()
    return url.rstrip("/")


def database_url(
    name: str, override: str | None = None, environ: Mapping[str, str] | None = None
) -> str:
    env = os.environ if environ is None else environ
    if override:
        return override
    configured = env.get(f"{name.upper()}_DATABASE_URL", "").strip()
    if configured:
        return configured
    var_dir = Path(env.get("WUZHENG_VAR_DIR") or "var")
    return f"sqlite+aiosqlite:///{var_dir / 'db' / f'{name}.sqlite3'}"


def redact_url(url: str) -> str:
    """``postgresql+asyncpg://user:***@host/db``: never print a database password."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, location = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}" if ":" in credentials else url
