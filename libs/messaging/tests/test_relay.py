import asyncio
import time
from collections.abc import Sequence

import pytest
import sqlalchemy as sa

from wuzheng.messaging import OutboxRelay, outbox_backlog, outbox_table, retry_failed
from wuzheng.messaging._relay import Outcome
from wuzheng.messaging.testing import wait_until


async def test_an_event_of_a_rolled_back_transaction_is_never_published(harness) -> None:
    relay = await harness.relay()
    await harness.consumer()
    rolled_back, committed = harness.envelope(1), harness.envelope(2)
    with pytest.raises(RuntimeError):
        async with harness.database.transaction() as session:
            await harness.outbox.add(session, rolled_back)
            raise RuntimeError("the domain change failed")
    await harness.commit(committed)
    await wait_until(lambda: relay.stats.published == 1, message="the committed event sent")
    await wait_until(harness.effects, message="the committed event applied", timeout=5)
    assert await harness.effects() == [committed.id]
    assert await harness.stream_messages() == 1
    assert [row.id for row in await harness.outbox_rows()] == [committed.id]


async def test_a_commit_wakes_the_relay_long_before_its_poll(harness) -> None:
    relay = await harness.relay(poll_interval=60.0)
    await asyncio.sleep(0.2)  # the start-up cycle is over: only a wake-up can publish now
    wakeups = relay.stats.wakeups
    started = time.monotonic()
    await harness.commit(harness.envelope(1), harness.envelope(2))
    await wait_until(lambda: relay.stats.published == 2, timeout=3, message="published")
    assert time.monotonic() - started < 3
    assert relay.stats.wakeups == wakeups + 1
    assert await harness.stream_messages() == 2
    # a commit without an event does not wake it
    async with harness.database.transaction() as session:
        await session.execute(sa.select(1))
    assert relay.stats.wakeups == wakeups + 1


async def test_rows_are_published_in_order_with_the_event_id_as_msg_id(harness) -> None:
    # ids (UUIDv7) descending: the order that counts is the order the events were written
    envelopes = [harness.envelope(n) for n in range(30)][::-1]
    async with harness.database.transaction() as session:
        await harness.outbox.add_many(session, envelopes)
    relay = await harness.relay(batch_size=7)
    await wait_until(lambda: relay.stats.published == 30, message="all published")
    stream = harness.topology.stream_name("MTEST")
    seen = []
    for seq in range(1, 31):
        message = await harness.nats.js.get_msg(stream, seq)
        assert message.headers is not None
        seen.append(message.headers["Nats-Msg-Id"])
        assert message.headers["traceparent"] == envelopes[seq - 1].traceparent
    assert seen == [e.id for e in envelopes]
    rows = await harness.outbox_rows()
    assert {row.status for row in rows} == {"sent"}
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    assert (await relay.backlog()).pending == 0


async def test_rows_that_keep_failing_are_marked_failed_and_kept(harness) -> None:
    good, doomed = harness.envelope(1), harness.envelope(2)
    async with harness.database.transaction() as session:
        await harness.outbox.add(session, good)
        # a subject no stream listens on: JetStream never acknowledges it
        await harness.outbox.add(session, doomed, subject=f"nowhere.{harness.topology.namespace}")
    relay = await harness.relay(max_attempts=3, backoff_base=0.01, backoff_cap=0.02)
    await wait_until(lambda: relay.stats.marked_failed == 1, message="row failed")
    rows = {row.id: row for row in await harness.outbox_rows()}
    assert rows[good.id].status == "sent"
    assert rows[doomed.id].status == "failed"
    assert rows[doomed.id].attempts == 3
    assert "NoStreamResponse" in rows[doomed.id].last_error
    backlog = await outbox_backlog(harness.database)
    assert (backlog.pending, backlog.failed) == (0, 1)
    # the operator fixes the cause, then puts the row back in the queue
    await relay.stop()
    assert await retry_failed(harness.database) == 1
    rows = {row.id: row for row in await harness.outbox_rows()}
    assert (rows[doomed.id].status, rows[doomed.id].attempts) == ("pending", 0)


class CrashAfterPublish(OutboxRelay):
    """Publishes, then dies before it can mark anything sent."""

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        raise SystemExit("relay killed after publishing")


async def test_a_relay_dying_after_publishing_republishes_and_the_effect_happens_once(
    harness,
) -> None:
    envelopes = [harness.envelope(n) for n in range(5)]
    await harness.commit(*envelopes)
    crashing = CrashAfterPublish(harness.database, harness.nats, lease=0.3)
    with pytest.raises(SystemExit):
        await crashing.relay_once()
    assert await harness.stream_messages() == 5
    assert {row.status for row in await harness.outbox_rows()} == {"pending"}

    consumer = await harness.consumer()
    relay = await harness.relay(lease=0.3)  # a new process: republishes what is not marked
    await wait_until(lambda: relay.stats.published == 5, message="republished")
    await wait_until(lambda: consumer.stats.processed == 5, message="applied")
    assert await harness.stream_messages() == 5  # JetStream de-duplicated on Nats-Msg-Id
    assert sorted(await harness.effects()) == sorted(e.id for e in envelopes)
    assert {row.status for row in await harness.outbox_rows()} == {"sent"}


async def test_the_slow_poll_picks_up_rows_written_elsewhere(harness) -> None:
    relay = await harness.relay(poll_interval=0.3)
    await asyncio.sleep(0.1)
    envelope = harness.envelope(1)
    # another process wrote it: no after-commit hook of ours fires
    async with harness.database.sessionmaker() as session:
        await session.execute(
            outbox_table.insert().values(
                id=envelope.id,
                subject=harness.outbox.subject_for(envelope),
                payload=envelope.to_bytes(),
                headers=envelope.nats_headers(),
                created_at=envelope.time,
                status="pending",
                attempts=0,
                next_attempt_at=envelope.time,
            )
        )
        await session.commit()
    await wait_until(lambda: relay.stats.published == 1, timeout=3, message="polled")


async def test_relays_side_by_side_claim_disjoint_batches_oldest_first(harness) -> None:
    if harness.database.is_sqlite:
        pytest.skip("SQLite runs one relay per database: its claim takes no lease")
    envelopes = [harness.envelope(n) for n in range(20)][::-1]  # ids descending
    await harness.commit(*envelopes)
    relays = [OutboxRelay(harness.database, harness.nats, batch_size=4, lease=60) for _ in range(5)]
    claimed = await asyncio.gather(*(relay._claim() for relay in relays))
    ids = [row.id for batch in claimed for row in batch]
    assert sorted(ids) == sorted(e.id for e in envelopes)  # every row, none twice
    for batch in claimed:
        order = [row.id for row in batch]
        written = [e.id for e in envelopes if e.id in order]
        assert order == written  # each batch in the order the events were written
    assert await relays[0]._claim() == []  # all leased: nothing is due
    async with harness.database.transaction() as session:  # the leases run out
        await session.execute(sa.update(outbox_table).values(next_attempt_at=sa.func.now()))
    again = await relays[0]._claim()
    assert [row.id for row in again] == [e.id for e in envelopes[:4]]
