"""The service command: `migrate --check` tells whether the database is at head (the
Kubernetes init container waits on it while the migration Job runs)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from wuzheng.service import service_cli
from wuzheng.service._cli import NOT_AT_HEAD


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "WUZHENG_ENV": "test",
        "WUZHENG_VAR_DIR": str(tmp_path),
        "PROBE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'probe.sqlite3'}",
    }


def test_migrate_check_says_whether_the_database_is_at_head(
    probe: Any, env: dict[str, str]
) -> None:
    cli = service_cli(probe)
    runner = CliRunner()

    behind = runner.invoke(cli, ["migrate", "--check"], env=env)
    assert behind.exit_code == NOT_AT_HEAD, behind.output
    assert "head is ['0001']" in behind.output

    started = time.monotonic()
    waited = runner.invoke(cli, ["migrate", "--check", "--wait", "0.5"], env=env)
    assert waited.exit_code == NOT_AT_HEAD
    assert time.monotonic() - started >= 0.5

    migrated = runner.invoke(cli, ["migrate"], env=env)
    assert migrated.exit_code == 0, migrated.output
    assert "probe: database at revision head" in migrated.output

    at_head = runner.invoke(cli, ["migrate", "--check"], env=env)
    assert at_head.exit_code == 0, at_head.output
    assert "database at head ['0001']" in at_head.output


def test_migrate_check_waits_through_an_unreachable_database(
    probe: Any, env: dict[str, str]
) -> None:
    env["PROBE_DATABASE_URL"] = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    result = CliRunner().invoke(service_cli(probe), ["migrate", "--check"], env=env)
    assert result.exit_code == NOT_AT_HEAD
    assert "unreachable" in result.output


def test_prune_events_deletes_published_rows_only(probe: Any, env: dict[str, str]) -> None:
    import asyncio
    from datetime import timedelta

    import sqlalchemy as sa

    from wuzheng.db import Database, utcnow
    from wuzheng.messaging import outbox_table

    cli = service_cli(probe)
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"], env=env).exit_code == 0

    async def seed() -> None:
        database = Database(env["PROBE_DATABASE_URL"])
        old = utcnow() - timedelta(days=2)
        async with database.transaction() as session:
            for event_id, status in (("sent", "sent"), ("waiting", "pending")):
                await session.execute(
                    sa.insert(outbox_table).values(
                        id=event_id,
                        subject="s",
                        payload=b"{}",
                        headers={},
                        created_at=old,
                        status=status,
                        attempts=1,
                        next_attempt_at=old,
                        sent_at=old if status == "sent" else None,
                    )
                )
        await database.stop()

    asyncio.run(seed())
    too_soon = runner.invoke(cli, ["prune-events", "--inbox-older-than-days", "3"], env=env)
    assert too_soon.exit_code == 2
    result = runner.invoke(cli, ["prune-events"], env=env)
    assert result.exit_code == 0, result.output
    assert "probe: pruned 1 outbox row(s), 0 inbox row(s)" in result.output
