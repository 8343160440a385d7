"""NATS goes away while the service keeps committing: nothing is lost, nothing doubled.

It runs its own nats-server (never the shared or system one) and stops and restarts it on
the same port and JetStream store, the way an operator's restart or a crash-restart would.
"""

import asyncio
import contextlib

import sqlalchemy as sa

from wuzheng.messaging import outbox_table
from wuzheng.messaging.testing import wait_until


async def test_events_committed_during_a_nats_outage_all_arrive_once(
    private_nats_server, connect_nats, topology, make_harness
) -> None:
    nats = await connect_nats(private_nats_server.url, topology)
    harness = make_harness(nats, topology)
    try:
        relay = await harness.relay()
        consumer = await harness.consumer()
        committed: list[str] = []

        async def keep_committing(count: int) -> None:
            for n in range(count):
                envelope = harness.envelope(n)
                await harness.commit(envelope)
                committed.append(envelope.id)
                await asyncio.sleep(0.02)

        producer = asyncio.create_task(keep_committing(60))
        await wait_until(lambda: consumer.stats.processed >= 5, message="flowing")

        private_nats_server.stop()
        await wait_until(lambda: not nats.is_connected, message="disconnected")
        during = len(committed)
        await asyncio.sleep(0.5)  # commits go on with NATS down
        assert len(committed) > during
        private_nats_server.start()  # same port, same store

        await producer
        await wait_until(lambda: nats.is_connected, timeout=10, message="reconnected")
        await wait_until(
            lambda: consumer.stats.processed == 60, timeout=15, message="every event applied"
        )
        effects = await harness.effects()
        assert sorted(effects) == sorted(committed)  # each exactly once
        assert consumer.stats.dead_lettered == 0
        async with harness.database.sessionmaker() as session:
            statuses = (await session.execute(sa.select(outbox_table.c.status))).scalars()
            assert set(statuses) == {"sent"}
        assert await harness.stream_messages() == 60
        assert relay.stats.marked_failed == 0
    finally:
        await harness.close()
        with contextlib.suppress(Exception):
            await nats.stop()
