"""`wuzheng outbox …` and `wuzheng dead-letters …` read and repair a service's event path in
its own database (SQLite, or PostgreSQL with WUZHENG_TEST_POSTGRES)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from wuzheng.db import Database, utcnow
from wuzheng.messaging import dead_letter_table, messaging_metadata, outbox_table

RESIDENT_ID = "370724199001011234"


@pytest.fixture
async def database(database_url: str) -> Any:
    """A database with the messaging tables: two pending events, one failed, two dead
    letters (one already replayed)."""
    db = Database(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(messaging_metadata.create_all)
    now = utcnow()
    rows = [
        ("e-pending-1", "pending", now - timedelta(minutes=5)),
        ("e-pending-2", "pending", now),
        ("e-failed", "failed", now - timedelta(hours=1)),
    ]
    async with db.transaction() as session:
        for event_id, status, created in rows:
            await session.execute(
                sa.insert(outbox_table).values(
                    id=event_id,
                    subject="catalog.item.upserted",
                    payload=b"{}",
                    headers={"Nats-Msg-Id": event_id},
                    created_at=created,
                    status=status,
                    attempts=20 if status == "failed" else 0,
                    next_attempt_at=now + timedelta(hours=1),
                    last_error="NoStreamResponseError" if status == "failed" else None,
                )
            )
        for consumer, replayed in (("verification-catalog", None), ("dispute-catalog", now)):
            await session.execute(
                sa.insert(dead_letter_table).values(
                    consumer=consumer,
                    subject="catalog.item.upserted",
                    event_id=f"event-of-{consumer}",
                    payload=json.dumps({"data": {"holder": f"111:{RESIDENT_ID}"}}).encode(),
                    headers={"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"},
                    error=f"PoisonMessage: holder {RESIDENT_ID} unknown",
                    attempts=1,
                    recorded_at=now,
                    replayed_at=replayed,
                )
            )
    yield db
    await db.stop()


async def test_backlog_counts_pending_failed_and_dead_letters(
    database: Database, database_url: str, invoke: Callable[..., Any]
) -> None:
    result = await invoke(
        ["outbox", "backlog", "--service", "catalog", "--json"],
        env={"CATALOG_DATABASE_URL": database_url},
    )
    assert result.exit_code == 1, result.output  # a failed row needs the operator
    backlog = json.loads(result.stdout)
    assert backlog["service"] == "catalog"
    assert (backlog["pending"], backlog["failed"], backlog["dead_letters"]) == (2, 1, 1)
    assert backlog["oldest_pending_at"] is not None

    table = await invoke(
        ["outbox", "backlog", "-s", "catalog", "--database-url", database_url],
        env={"COLUMNS": "200"},
    )
    assert "wuzheng outbox retry --service catalog" in table.stdout
    password = sa.engine.make_url(database_url).password
    if password:  # a PostgreSQL URL with a password: it is never printed
        assert password not in table.stdout
        assert ":***@" in table.stdout


async def test_retry_puts_failed_rows_back(
    database: Database, database_url: str, invoke: Callable[..., Any]
) -> None:
    result = await invoke(["outbox", "retry", "-s", "catalog", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert "1 failed event(s) queued again" in result.stdout
    async with database.sessionmaker() as session:
        status = await session.scalar(
            sa.select(outbox_table.c.status).where(outbox_table.c.id == "e-failed")
        )
    assert status == "pending"
    again = await invoke(["outbox", "backlog", "-s", "catalog", "--database-url", database_url])
    assert again.exit_code == 0


async def test_dead_letters_list_show_and_replay(
    database: Database, database_url: str, invoke: Callable[..., Any]
) -> None:
    base = ["-s", "verification", "--database-url", database_url]
    listed = json.loads((await invoke(["dead-letters", "list", *base, "--json"])).stdout)
    assert [letter["consumer"] for letter in listed] == ["verification-catalog"]
    assert RESIDENT_ID not in json.dumps(listed)  # masked in the error text
    every = json.loads((await invoke(["dead-letters", "list", *base, "--all", "--json"])).stdout)
    assert len(every) == 2
    only = await invoke(["dead-letters", "list", *base, "--consumer", "dispute-catalog", "--json"])
    assert json.loads(only.stdout) == []

    letter_id = listed[0]["id"]
    shown = await invoke(["dead-letters", "show", str(letter_id), *base])
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.stdout)
    assert detail["event"]["data"]["holder"] == "111:3707**********1234"
    assert detail["headers"]["traceparent"].startswith("00-aaaa")
    revealed = await invoke(["dead-letters", "show", str(letter_id), *base, "--reveal"])
    assert json.loads(revealed.stdout)["event"]["data"]["holder"] == f"111:{RESIDENT_ID}"
    missing = await invoke(["dead-letters", "show", "9999", *base])
    assert missing.exit_code == 1
    assert "no dead letter 9999" in missing.output

    replayed = await invoke(["dead-letters", "replay", str(letter_id), *base])
    assert replayed.exit_code == 0, replayed.output
    assert "1 dead letter(s) queued" in replayed.stdout
    async with database.sessionmaker() as session:
        queued = (
            await session.execute(sa.select(outbox_table).where(outbox_table.c.id.like("replay-%")))
        ).all()
    assert len(queued) == 1
    assert queued[0].subject == "catalog.item.upserted"
    assert queued[0].status == "pending"
    left = json.loads((await invoke(["dead-letters", "list", *base, "--json"])).stdout)
    assert left == []


async def test_replay_needs_ids_or_all(
    database: Database, database_url: str, invoke: Callable[..., Any]
) -> None:
    base = ["-s", "verification", "--database-url", database_url]
    neither = await invoke(["dead-letters", "replay", *base])
    assert neither.exit_code == 2
    assert "or pass --all" in neither.output
    unknown = await invoke(["dead-letters", "replay", "4242", *base])
    assert unknown.exit_code == 1
    assert "not found" in unknown.output
    everything = await invoke(["dead-letters", "replay", "--all", *base])
    assert everything.exit_code == 0
    assert "1 dead letter(s) queued" in everything.stdout


async def test_unknown_service_and_missing_database_are_clear(
    tmp_path: Path, invoke: Callable[..., Any]
) -> None:
    unknown = await invoke(["outbox", "backlog", "--service", "billing"])
    assert unknown.exit_code == 2
    assert "not a service" in unknown.output
    missing = await invoke(
        ["outbox", "backlog", "--service", "dispute"],
        env={"WUZHENG_VAR_DIR": str(tmp_path), "DISPUTE_DATABASE_URL": ""},
    )
    assert missing.exit_code == 1
    assert f"no database at {tmp_path / 'db' / 'dispute.sqlite3'}" in missing.output.replace(
        "\n", ""
    )
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    unmigrated = await invoke(
        ["dead-letters", "list", "-s", "dispute", "--database-url", f"sqlite+aiosqlite:///{empty}"]
    )
    assert unmigrated.exit_code == 1
    assert "no messaging tables" in unmigrated.output


async def test_prune_keeps_what_is_still_needed(
    database: Database, database_url: str, invoke: Callable[..., Any]
) -> None:
    async with database.transaction() as session:
        old = utcnow() - timedelta(days=3)
        await session.execute(
            sa.insert(outbox_table).values(
                id="e-sent",
                subject="s",
                payload=b"{}",
                headers={},
                created_at=old,
                status="sent",
                attempts=1,
                next_attempt_at=old,
                sent_at=old,
            )
        )
    base = ["outbox", "prune", "-s", "catalog", "--database-url", database_url]
    too_short = await invoke([*base, "--inbox-older-than", "2d"])
    assert too_short.exit_code == 2
    assert "at least 30d" in too_short.output
    bad = await invoke([*base, "--sent-older-than", "soon"])
    assert bad.exit_code == 2
    result = await invoke([*base, "--sent-older-than", "2d", "--inbox-older-than", "35d"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 published outbox row(s) and 0 inbox row(s)" in result.stdout
    backlog = json.loads(
        (
            await invoke(
                ["outbox", "backlog", "-s", "catalog", "--database-url", database_url, "--json"]
            )
        ).stdout
    )
    assert (backlog["pending"], backlog["failed"]) == (2, 1)  # untouched
