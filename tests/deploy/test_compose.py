"""docker-compose.yml: valid against the Compose Specification's JSON Schema, and shaped as
the operators' issue asks (databases per service, JetStream on a volume, migrations as
one-shot jobs the services wait for, healthchecks)."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import secrets
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parents[2]
INIT_SCRIPT = ROOT / "deploy" / "postgres" / "init-databases.sh"


def compose_schema() -> dict[str, Any]:
    """The Compose Specification schema as vendored by check-jsonschema (its licence and
    source are in check_jsonschema/builtin_schemas/vendor/licenses)."""
    vendor = files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads((vendor / "compose-spec.json").read_text("utf-8"))
    return schema


def errors(document: dict[str, Any]) -> list[str]:
    validator = Draft202012Validator(compose_schema())
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_compose_file_is_valid_against_the_compose_spec(compose: dict[str, Any]) -> None:
    assert errors(compose) == []


def test_the_schema_check_catches_mistakes(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["catalog"]["restart"] = 5
    broken["services"]["catalog"]["depends_on"]["nats"]["condition"] = "service_ready"
    broken["services"]["catalog"]["healtcheck"] = {}
    found = errors(broken)
    assert any("restart" in e for e in found), found
    assert any("condition" in e or "service_ready" in e for e in found), found
    assert any("healtcheck" in e for e in found), found


def test_services_wait_for_their_migrations_and_healthy_dependencies(
    compose: dict[str, Any], services: list[str]
) -> None:
    for service in services:
        spec = compose["services"][service]
        depends = spec["depends_on"]
        assert depends[f"{service}-migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["nats"]["condition"] == "service_healthy"
        assert "/readyz" in " ".join(spec["healthcheck"]["test"])
        assert spec["read_only"] is True
        assert spec["cap_drop"] == ["ALL"]
        assert all(port.startswith("127.0.0.1:") for port in spec["ports"])
        assert spec["build"]["dockerfile"] == f"services/{service}/Dockerfile"
        migrate = compose["services"][f"{service}-migrate"]
        assert migrate["command"] == ["python", "-m", f"wuzheng.{service}", "migrate"]
        assert migrate["restart"] == "no"
        assert migrate["image"] == spec["image"]
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
        url = spec["environment"][f"{service.upper()}_DATABASE_URL"]
        assert url.startswith(f"postgresql+asyncpg://{service}:")
        assert url.endswith(f"@postgres:5432/{service}")


def test_postgres_creates_one_database_per_service_and_nats_keeps_jetstream(
    compose: dict[str, Any], services: list[str]
) -> None:
    postgres = compose["services"]["postgres"]
    assert set(postgres["environment"]["WUZHENG_DATABASES"].split()) == set(services)
    assert any(
        "init-databases.sh:/docker-entrypoint-initdb.d/" in volume for volume in postgres["volumes"]
    )
    assert "pg_isready" in postgres["healthcheck"]["test"]
    nats = compose["services"]["nats"]
    assert "--jetstream" in nats["command"]
    assert "--store_dir=/data" in nats["command"]
    assert "nats-data:/data" in nats["volumes"]
    assert "js-enabled-only=true" in " ".join(nats["healthcheck"]["test"])
    assert "nats-data" in compose["volumes"]


@pytest.mark.skipif(
    not os.environ.get("WUZHENG_TEST_POSTGRES") or shutil.which("psql") is None,
    reason="needs WUZHENG_TEST_POSTGRES and psql (the PostgreSQL CI pass has both)",
)
async def test_the_init_script_creates_a_database_each_service_alone_can_use() -> None:
    admin = sa.engine.make_url(os.environ["WUZHENG_TEST_POSTGRES"])
    names = [f"wzinit_{secrets.token_hex(3)}_{n}" for n in ("a", "b")]
    password = secrets.token_urlsafe(12)
    env = {
        **os.environ,
        "PGHOST": admin.host or "127.0.0.1",
        "PGPORT": str(admin.port or 5432),
        "PGPASSWORD": admin.password or "",
        "POSTGRES_USER": admin.username or "postgres",
        "POSTGRES_DB": admin.database or "postgres",
        "WUZHENG_DATABASES": " ".join(names),
        "WUZHENG_DB_PASSWORD": password,
    }
    admin_engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        result = await asyncio.to_thread(
            subprocess.run,
            ["/bin/sh", str(INIT_SCRIPT)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        own = create_async_engine(
            admin.set(username=names[0], password=password, database=names[0])
        )
        try:
            async with own.connect() as connection:
                await connection.execute(sa.text("CREATE TABLE t (id int)"))
        finally:
            await own.dispose()
        other = create_async_engine(
            admin.set(username=names[0], password=password, database=names[1])
        )
        try:
            with pytest.raises(Exception, match="permission denied"):
                async with other.connect():
                    pass
        finally:
            await other.dispose()
    finally:
        async with admin_engine.connect() as connection:
            for name in names:
                await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
                await connection.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
        await admin_engine.dispose()


def test_the_init_script_refuses_to_run_without_its_settings() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUZHENG_")}
    result = subprocess.run(
        ["/bin/sh", str(INIT_SCRIPT)], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "WUZHENG_DATABASES" in result.stderr
