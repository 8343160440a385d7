"""prune: sent outbox rows and old inbox rows go, in batches; pending and failed rows stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from wuzheng.db import Database, utcnow
from wuzheng.messaging import inbox_table, messaging_metadata, outbox_table, prune


@pytest.fixture
async def database(database_url: str) -> Database:
    db = Database(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(messaging_metadata.create_all)
    return db


async def test_prune_deletes_only_old_sent_rows_and_old_inbox_rows(database: Database) -> None:
    now = utcnow()
    old, recent = now - timedelta(days=3), now - timedelta(minutes=5)
    outbox_rows = [(f"sent-old-{n}", "sent", old) for n in range(7)] + [
        ("sent-recent", "sent", recent),
        ("pending-old", "pending", None),
        ("failed-old", "failed", None),
    ]
    async with database.transaction() as session:
        for event_id, status, sent_at in outbox_rows:
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
                    sent_at=sent_at,
                )
            )
        for n in range(5):
            await session.execute(
                sa.insert(inbox_table).values(
                    consumer=f"c{n % 2}", event_id=f"e{n}", received_at=old
                )
            )
        await session.execute(
            sa.insert(inbox_table).values(consumer="c0", event_id="fresh", received_at=recent)
        )
    try:
        pruned = await prune(
            database,
            sent_before=now - timedelta(days=1),
            inbox_before=now - timedelta(days=1),
            batch_size=3,
        )
        assert (pruned.sent_outbox_rows, pruned.inbox_rows) == (7, 5)
        async with database.sessionmaker() as session:
            left = set((await session.execute(sa.select(outbox_table.c.id))).scalars())
            inbox = set((await session.execute(sa.select(inbox_table.c.event_id))).scalars())
        assert left == {"sent-recent", "pending-old", "failed-old"}
        assert inbox == {"fresh"}

        again = await prune(database, sent_before=now)
        assert (again.sent_outbox_rows, again.inbox_rows) == (1, 0)
        with pytest.raises(ValueError, match="batch_size"):
            await prune(database, sent_before=now, batch_size=0)
    finally:
        await database.stop()
