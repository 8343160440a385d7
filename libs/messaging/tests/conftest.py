"""A harness for the messaging tests: a migrated database, a namespaced topology on a real
nats-server, and factories for relays and consumers configured to be quick."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope, TraceContext, new_event_id
from wuzheng.db import Database, migrate, utcnow
from wuzheng.messaging import (
    ConsumerSpec,
    EventConsumer,
    NatsConnection,
    Outbox,
    OutboxRelay,
    StreamSpec,
    Topology,
    outbox_table,
)

MIGRATIONS = str(Path(__file__).parent / "migrations")
EVENT_TYPE = "cn.wuzheng.mtest.thing.happened.v1"
STREAM = StreamSpec("MTEST", ("mtest.>",), max_age=3600, duplicate_window=60)
CONSUMER = ConsumerSpec(
    "MTEST", "effects", ("mtest.>",), max_deliver=3, ack_wait=5, backoff=(0.05,)
)

effect_table = sa.Table(
    "effect",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.String(64)),
    sa.Column("consumer", sa.String(64)),
)


def make_envelope(n: int = 0, type_: str = EVENT_TYPE, **data: Any) -> EventEnvelope:
    # Built by hand rather than with EventEnvelope.wrap: a payload class would register a
    # test event type in the contracts' global registry (and its schemas).
    return EventEnvelope(
        id=new_event_id(),
        time=utcnow(),
        specversion="1.0",
        source="/test",
        type=type_,
        subject=f"thing-{n}",
        data={"n": n, **data},
        traceparent=TraceContext.new().traceparent,
    )


async def record_effect(session: AsyncSession, envelope: EventEnvelope) -> None:
    await session.execute(effect_table.insert().values(event_id=envelope.id, consumer="effects"))


class Harness:
    def __init__(self, database: Database, nats: NatsConnection, topology: Topology) -> None:
        self.database = database
        self.nats = nats
        self.topology = topology
        self.outbox = Outbox(topology)
        self._resources: list[Any] = []

    record_effect = staticmethod(record_effect)

    @staticmethod
    def envelope(n: int = 0, type_: str = EVENT_TYPE, **data: Any) -> EventEnvelope:
        return make_envelope(n, type_, **data)

    async def relay(self, cls: type[OutboxRelay] = OutboxRelay, **options: Any) -> OutboxRelay:
        settings: dict[str, Any] = {
            "poll_interval": 0.5,
            "backoff_base": 0.02,
            "backoff_cap": 0.2,
            "lease": 0.5,
            "publish_timeout": 1.0,
            **options,
        }
        relay = cls(self.database, self.nats, **settings)
        await relay.start()
        self._resources.append(relay)
        return relay

    async def consumer(
        self,
        handler: Callable[[AsyncSession, EventEnvelope], Awaitable[None]] = record_effect,
        *,
        spec: ConsumerSpec = CONSUMER,
        pattern: str = "mtest.>",
        **options: Any,
    ) -> EventConsumer:
        settings: dict[str, Any] = {"fetch_timeout": 0.5, "batch": 10, **options}
        consumer = EventConsumer(self.database, self.nats, spec, topology=self.topology, **settings)
        consumer.on(pattern, handler)
        await consumer.start()
        self._resources.append(consumer)
        return consumer

    async def commit(self, *envelopes: EventEnvelope) -> None:
        async with self.database.transaction() as session:
            for envelope in envelopes:
                await self.outbox.add(session, envelope)

    async def effects(self) -> list[str]:
        async with self.database.sessionmaker() as session:
            rows = await session.execute(sa.select(effect_table.c.event_id))
            return [row.event_id for row in rows]

    async def outbox_rows(self) -> list[Any]:
        async with self.database.sessionmaker() as session:
            return list((await session.execute(sa.select(outbox_table))).all())

    async def stream_messages(self) -> int:
        info = await self.nats.js.stream_info(self.topology.stream_name(STREAM.name))
        return int(info.state.messages)

    async def close(self) -> None:
        for resource in reversed(self._resources):
            with contextlib.suppress(Exception):
                await resource.stop()
        self._resources.clear()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await migrate(database_url, MIGRATIONS)
    db = Database(database_url)
    await db.start()
    yield db
    await db.stop()


@pytest.fixture
def topology(nats_namespace: str) -> Topology:
    return Topology(streams=(STREAM,), consumers=(CONSUMER,), namespace=nats_namespace)


async def connect(url: str, topology: Topology) -> NatsConnection:
    nats = NatsConnection(
        url, client_name="messaging-tests", topology=topology, reconnect_backoff_cap=0.2
    )
    await nats.start()
    return nats


@pytest.fixture
def connect_nats() -> Callable[[str, Topology], Awaitable[NatsConnection]]:
    return connect


@pytest.fixture
async def nats(nats_url: str, topology: Topology) -> AsyncIterator[NatsConnection]:
    connection = await connect(nats_url, topology)
    yield connection
    with contextlib.suppress(Exception):
        await topology.delete(connection.js)
    await connection.stop()


@pytest.fixture
async def harness(
    database: Database, nats: NatsConnection, topology: Topology
) -> AsyncIterator[Harness]:
    h = Harness(database, nats, topology)
    yield h
    await h.close()


@pytest.fixture
def make_harness(database: Database) -> Callable[[NatsConnection, Topology], Harness]:
    return lambda nats, topology: Harness(database, nats, topology)
