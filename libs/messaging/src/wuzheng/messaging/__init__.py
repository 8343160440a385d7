"""Events over NATS JetStream: no event lost, none applied twice.

One topology for the mesh, applied at start-up (streams per domain, each service adds its
own durable consumers)::

    topology = mesh_topology(consumers=[ConsumerSpec("CERTIFICATE", "verification",
                                                     ("certificate.>",))])
    nats = NatsConnection(settings.nats_url, client_name="verification", topology=topology)

Producers write events in the domain transaction; the relay publishes them after commit::

    outbox = Outbox()
    relay = OutboxRelay(database, nats)                 # a web-kit resource
    async with database.transaction() as session:
        session.add(licence)
        await outbox.add(session, EventEnvelope.wrap(LicenceIssued(...), source="/issuance"))

Consumers apply each event once (inbox row + effect in one transaction, then ack)::

    consumer = EventConsumer(database, nats, spec, topology=topology)

    @consumer.on("certificate.licence.issued")
    async def issued(session: AsyncSession, envelope: EventEnvelope) -> None: ...

A handler raises :class:`TransientError` to be retried later and :class:`PoisonMessage`
to be dead-lettered now. Live questions go over request-reply::

    await responder(nats, "verify.*", answer, queue="issuance")
    reply = await request(nats, f"verify.{issuer}", {"id": licence_id}, timeout=2)

The outbox, inbox and dead-letter tables live in each service's database: list
``messaging_metadata`` in its alembic ``env.py`` (``run_alembic_env([metadata,
messaging_metadata])``) and call ``create_messaging_tables(op)`` in its first migration.

For /metrics and operators: ``relay.backlog()`` / ``outbox_backlog(database)`` (pending,
failed, oldest pending, unreplayed dead letters), ``relay.stats`` and ``consumer.stats``;
``retry_failed(database)`` re-queues failed outbox rows, ``replay_dead_letters(database)``
sends dead letters again once their cause is fixed, ``prune(database, sent_before=...,
inbox_before=...)`` deletes sent outbox rows and old inbox rows.

``wuzheng.messaging.server`` runs a real ``nats-server`` (launcher, e2e tests);
``wuzheng.messaging.testing`` is the pytest plugin; ``wuzheng.messaging.bench`` measures
the event path (``python -m wuzheng.messaging.bench``).
"""

from wuzheng.messaging._connection import NatsConnection
from wuzheng.messaging._consumer import EventConsumer, EventHandler, subject_matches
from wuzheng.messaging._errors import (
    HandlerError,
    InvalidReply,
    MessagingError,
    NoResponders,
    NotConnected,
    PoisonMessage,
    RemoteProblem,
    RequestError,
    RequestTimeout,
    TopologyError,
    TransientError,
)
from wuzheng.messaging._outbox import (
    Backlog,
    Outbox,
    Pruned,
    outbox_backlog,
    prune,
    replay_dead_letters,
    retry_failed,
)
from wuzheng.messaging._relay import OutboxRelay
from wuzheng.messaging._request import RequestHandler, Responder, request, responder
from wuzheng.messaging._tables import (
    create_messaging_tables,
    dead_letter_table,
    drop_messaging_tables,
    inbox_table,
    messaging_metadata,
    outbox_table,
)
from wuzheng.messaging._topology import (
    MESH_STREAMS,
    ConsumerSpec,
    StreamSpec,
    Topology,
    mesh_topology,
)

__all__ = [
    "MESH_STREAMS",
    "Backlog",
    "ConsumerSpec",
    "EventConsumer",
    "EventHandler",
    "HandlerError",
    "InvalidReply",
    "MessagingError",
    "NatsConnection",
    "NoResponders",
    "NotConnected",
    "Outbox",
    "OutboxRelay",
    "PoisonMessage",
    "Pruned",
    "RemoteProblem",
    "RequestError",
    "RequestHandler",
    "RequestTimeout",
    "Responder",
    "StreamSpec",
    "Topology",
    "TopologyError",
    "TransientError",
    "create_messaging_tables",
    "dead_letter_table",
    "drop_messaging_tables",
    "inbox_table",
    "mesh_topology",
    "messaging_metadata",
    "outbox_backlog",
    "outbox_table",
    "prune",
    "replay_dead_letters",
    "request",
    "responder",
    "retry_failed",
    "subject_matches",
]
