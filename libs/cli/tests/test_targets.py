"""Where the operator commands look for a service's URL and database."""

from pathlib import Path

import pytest

from wuzheng.cli._targets import database_url, redact_url, service_url


def test_the_url_comes_from_the_option_then_the_environment_then_the_launcher() -> None:
    env = {"WUZHENG_ISSUANCE_URL": "https://issuance.mesh.local/"}
    assert service_url("issuance", "http://x:1/", env) == "http://x:1"
    assert service_url("issuance", None, env) == "https://issuance.mesh.local"
    assert service_url("issuance", None, {}) == "http://127.0.0.1:8102"
    with pytest.raises(ValueError, match="unknown service"):
        service_url("billing", None, {})


def test_the_database_is_the_one_the_service_reads() -> None:
    pg = "postgresql+asyncpg://wuzheng:s3cret@db:5432/catalog"
    assert database_url("catalog", None, {"CATALOG_DATABASE_URL": pg}) == pg
    assert database_url("catalog", "sqlite+aiosqlite:///x", {"CATALOG_DATABASE_URL": pg}) == (
        "sqlite+aiosqlite:///x"
    )
    expected = f"sqlite+aiosqlite:///{Path('/srv/var') / 'db' / 'catalog.sqlite3'}"
    assert database_url("catalog", None, {"WUZHENG_VAR_DIR": "/srv/var"}) == expected
    assert database_url("catalog", None, {}) == "sqlite+aiosqlite:///var/db/catalog.sqlite3"


def test_passwords_are_never_printed() -> None:
    assert (
        redact_url("postgresql+asyncpg://wuzheng:s3cret@db:5432/catalog")
        == "postgresql+asyncpg://wuzheng:***@db:5432/catalog"
    )
    assert redact_url("postgresql+asyncpg://wuzheng@db/catalog") == (
        "postgresql+asyncpg://wuzheng@db/catalog"
    )
    assert (
        redact_url("sqlite+aiosqlite:///var/db/x.sqlite3") == "sqlite+aiosqlite:///var/db/x.sqlite3"
    )
