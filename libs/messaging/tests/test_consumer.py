import asyncio
import itertools
import time
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope, current_trace
from wuzheng.messaging import (
    PoisonMessage,
    TransientError,
    dead_letter_table,
    inbox_table,
    outbox_backlog,
    replay_dead_letters,
)
from wuzheng.messaging.testing import wait_until


async def publish(harness, envelope: EventEnvelope, msg_id: str | None = None) -> None:
    """Straight to JetStream, bypassing the outbox (to stage redeliveries and garbage)."""
    headers = {**envelope.nats_headers(), "Nats-Msg-Id": msg_id or envelope.id}
    await harness.nats.js.publish(
        harness.outbox.subject_for(envelope), envelope.to_bytes(), headers=headers
    )


async def dead_letters(harness) -> list[sa.Row]:
    async with harness.database.sessionmaker() as session:
        return list((await session.execute(sa.select(dead_letter_table))).all())


async def test_an_event_delivered_twice_is_applied_once(harness) -> None:
    consumer = await harness.consumer()
    envelope = harness.envelope(1)
    # beyond JetStream's de-duplication (another Nats-Msg-Id): only the inbox stands guard
    await publish(harness, envelope)
    await publish(harness, envelope, msg_id=f"{envelope.id}-again")
    await wait_until(lambda: consumer.stats.duplicates == 1, message="second copy skipped")
    assert await harness.effects() == [envelope.id]
    assert consumer.stats.processed == 1
    async with harness.database.sessionmaker() as session:
        inbox = (await session.execute(sa.select(inbox_table))).all()
    assert [(row.consumer, row.event_id) for row in inbox] == [("effects", envelope.id)]


async def test_a_poison_message_is_dead_lettered_at_once(harness) -> None:
    async def reject(session: AsyncSession, envelope: EventEnvelope) -> None:
        await session.execute(sa.text("SELECT 1"))
        raise PoisonMessage(f"licence {envelope.data['n']} does not exist")

    consumer = await harness.consumer(reject)
    envelope = harness.envelope(7)
    await publish(harness, envelope)
    await wait_until(lambda: consumer.stats.dead_lettered == 1, message="dead-lettered")
    [letter] = await dead_letters(harness)
    assert letter.event_id == envelope.id
    assert letter.consumer == "effects"
    assert letter.attempts == 1
    assert letter.error == "PoisonMessage: licence 7 does not exist"
    assert letter.subject == harness.outbox.subject_for(envelope)
    assert EventEnvelope.from_bytes(letter.payload) == envelope
    assert letter.headers["Nats-Msg-Id"] == envelope.id
    assert letter.replayed_at is None
    assert consumer.stats.retried == 0
    # nothing of the failed attempt stayed: not even the inbox row
    async with harness.database.sessionmaker() as session:
        assert (await session.execute(sa.select(inbox_table))).all() == []


async def test_a_failing_handler_is_dead_lettered_after_max_deliver(harness) -> None:
    attempts: list[float] = []

    async def broken(session: AsyncSession, envelope: EventEnvelope) -> None:
        attempts.append(time.monotonic())
        raise ValueError("the handler has a bug")

    consumer = await harness.consumer(broken)  # max_deliver=3, backoff 0.05 s
    envelope = harness.envelope(1)
    await publish(harness, envelope)
    await wait_until(lambda: consumer.stats.dead_lettered == 1, message="dead-lettered")
    [letter] = await dead_letters(harness)
    assert (letter.attempts, letter.error) == (3, "ValueError: the handler has a bug")
    assert len(attempts) == 3
    assert consumer.stats.retried == 2
    await asyncio.sleep(0.3)
    assert len(attempts) == 3  # terminated: never delivered again


async def test_a_replayed_dead_letter_is_applied_once_the_cause_is_fixed(harness) -> None:
    broken = True

    async def sometimes(session: AsyncSession, envelope: EventEnvelope) -> None:
        if broken:
            raise PoisonMessage("the licence type is not in the catalogue yet")
        await harness.record_effect(session, envelope)

    consumer = await harness.consumer(sometimes)
    relay = await harness.relay()
    envelope = harness.envelope(1)
    await harness.commit(envelope)
    await wait_until(lambda: consumer.stats.dead_lettered == 1, message="dead-lettered")
    broken = False
    assert await replay_dead_letters(harness.database) == 1
    assert await replay_dead_letters(harness.database) == 0  # replayed already
    await wait_until(lambda: consumer.stats.processed == 1, message="applied on replay")
    assert await harness.effects() == [envelope.id]
    [letter] = await dead_letters(harness)
    assert letter.replayed_at is not None
    assert relay.stats.published == 2
    assert (await outbox_backlog(harness.database)).dead_letters == 0


async def test_an_undecodable_message_is_dead_lettered(harness) -> None:
    consumer = await harness.consumer()
    subject = harness.topology.subject("mtest.thing.happened")
    await harness.nats.js.publish(subject, b"\xff not an envelope")
    await wait_until(lambda: consumer.stats.dead_lettered == 1, message="dead-lettered")
    [letter] = await dead_letters(harness)
    assert letter.event_id is None
    assert letter.payload == b"\xff not an envelope"
    assert letter.error.startswith("undecodable envelope")


async def test_a_transient_error_is_retried_after_the_nak_delay(harness) -> None:
    attempts: list[float] = []

    async def flaky(session: AsyncSession, envelope: EventEnvelope) -> None:
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise TransientError("the issuer database is restarting")
        await harness.record_effect(session, envelope)

    spec = harness.topology.consumers[0]
    slow_backoff = replace(spec, backoff=(0.3,))
    consumer = await harness.consumer(flaky, spec=slow_backoff)
    envelope = harness.envelope(1)
    await publish(harness, envelope)
    await wait_until(lambda: consumer.stats.processed == 1, message="applied")
    assert await harness.effects() == [envelope.id]
    assert consumer.stats.retried == 2
    assert await dead_letters(harness) == []
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    assert all(gap >= 0.25 for gap in gaps), gaps


async def test_routing_by_name_type_and_wildcard_and_unknown_types_are_ignored(
    harness,
) -> None:
    seen: list[tuple[str, str]] = []

    def recorder(label: str):
        async def handler(session: AsyncSession, envelope: EventEnvelope) -> None:
            seen.append((label, envelope.event_name))

        return handler

    consumer = await harness.consumer(recorder("wildcard"), pattern="mtest.other.*")
    consumer.on("mtest.thing.happened", recorder("name"))
    consumer.on("cn.wuzheng.mtest.thing.renamed.v2", recorder("type"))
    await publish(harness, harness.envelope(1))
    await publish(harness, harness.envelope(2, type_="cn.wuzheng.mtest.thing.renamed.v2"))
    await publish(harness, harness.envelope(3, type_="cn.wuzheng.mtest.thing.renamed.v1"))
    await publish(harness, harness.envelope(4, type_="cn.wuzheng.mtest.other.changed.v1"))
    await wait_until(lambda: consumer.stats.processed + consumer.stats.ignored == 4)
    assert seen == [
        ("name", "mtest.thing.happened"),
        ("type", "mtest.thing.renamed"),
        ("wildcard", "mtest.other.changed"),
    ]
    assert consumer.stats.ignored == 1


async def test_the_handler_runs_in_the_trace_of_the_event(harness) -> None:
    traces: list[str | None] = []

    async def handler(session: AsyncSession, envelope: EventEnvelope) -> None:
        context = current_trace()
        traces.append(context.trace_id if context else None)

    consumer = await harness.consumer(handler)
    envelope = harness.envelope(1)
    await harness.commit(envelope)
    await harness.relay()
    await wait_until(lambda: consumer.stats.processed == 1)
    assert envelope.traceparent is not None
    assert traces == [envelope.traceparent.split("-")[1]]


async def test_stopping_drains_and_nothing_is_applied_twice(harness) -> None:
    envelopes = [harness.envelope(n) for n in range(40)]
    await harness.commit(*envelopes)
    consumer = await harness.consumer(batch=5)
    await harness.relay()
    await wait_until(lambda: consumer.stats.processed >= 5, message="some applied")
    started = time.monotonic()
    await consumer.stop()
    assert time.monotonic() - started < 2
    assert not consumer.stats.duplicates
    again = await harness.consumer()
    await wait_until(
        lambda: consumer.stats.processed + again.stats.processed == 40, message="all applied"
    )
    effects = await harness.effects()
    assert sorted(effects) == sorted(e.id for e in envelopes)
