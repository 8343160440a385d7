import dataclasses
from collections.abc import AsyncIterator

import pytest
from nats.js import api

from wuzheng.messaging import (
    MESH_STREAMS,
    ConsumerSpec,
    NatsConnection,
    StreamSpec,
    Topology,
    TopologyError,
    mesh_topology,
    subject_matches,
)

VERIFICATION = ConsumerSpec("CERTIFICATE", "verification", ("certificate.>",), max_deliver=5)


@pytest.fixture
async def bare_nats(nats_url: str) -> AsyncIterator[NatsConnection]:
    connection = NatsConnection(nats_url, client_name="topology-tests")
    await connection.start()
    yield connection
    await connection.stop()


def test_mesh_streams_cover_every_domain() -> None:
    subjects = {s for stream in MESH_STREAMS for s in stream.subjects}
    assert subjects == {
        "catalog.>",
        "certificate.>",
        "verification.>",
        "rescode.>",
        "consent.>",
        "dispute.>",
    }
    assert {stream.name for stream in MESH_STREAMS} == {
        "CATALOG",
        "CERTIFICATE",
        "VERIFICATION",
        "RESCODE",
        "DISPUTE",
    }


def test_namespace_maps_streams_subjects_and_consumers() -> None:
    topology = mesh_topology(consumers=[VERIFICATION], namespace="t42", replicas=3)
    stream = topology.stream("RESCODE")
    assert stream.name == "t42_RESCODE"
    assert stream.subjects == ("t42.rescode.>", "t42.consent.>")
    assert stream.replicas == 3
    consumer = topology.consumer(VERIFICATION)
    assert (consumer.stream, consumer.durable) == ("t42_CERTIFICATE", "verification")
    assert consumer.filter_subjects == ("t42.certificate.>",)
    assert topology.subject("certificate.licence.issued") == "t42.certificate.licence.issued"
    assert topology.logical_subject("t42.certificate.licence.issued") == (
        "certificate.licence.issued"
    )
    # without a namespace, names are the logical ones
    assert mesh_topology().stream("CATALOG").subjects == ("catalog.>",)


def test_specs_refuse_what_jetstream_would_refuse_later() -> None:
    with pytest.raises(ValueError, match="namespace"):
        Topology(streams=MESH_STREAMS, namespace="bad.ns")
    with pytest.raises(ValueError, match="unknown stream"):
        Topology(streams=MESH_STREAMS, consumers=(ConsumerSpec("NOPE", "x"),))
    with pytest.raises(ValueError, match="delay"):
        ConsumerSpec("CATALOG", "x", backoff=(0.0,))
    with pytest.raises(ValueError, match="replicas"):
        StreamSpec("X", ("x.>",), replicas=0)


def test_nak_delay_follows_the_backoff_list() -> None:
    spec = ConsumerSpec("CATALOG", "x", backoff=(1.0, 5.0))
    assert [spec.nak_delay(n) for n in (1, 2, 3, 9)] == [1.0, 5.0, 5.0, 5.0]


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("certificate.>", "certificate.licence.issued", True),
        ("certificate.>", "certificate", False),
        ("certificate.licence.*", "certificate.licence.issued", True),
        ("certificate.*", "certificate.licence.issued", False),
        ("*.licence.issued", "certificate.licence.issued", True),
        ("certificate.licence.issued", "certificate.licence.revoked", False),
    ],
)
def test_subject_matching(pattern: str, subject: str, expected: bool) -> None:
    assert subject_matches(pattern, subject) is expected


async def test_apply_is_idempotent_and_follows_changes(
    bare_nats: NatsConnection, nats_namespace: str
) -> None:
    topology = mesh_topology(consumers=[VERIFICATION], namespace=nats_namespace)
    js = bare_nats.js
    try:
        first = await topology.apply(js)
        assert set(first.values()) == {"created"}
        assert len(first) == 6
        second = await topology.apply(js)
        assert set(second.values()) == {"unchanged"}

        # editable consumer fields, filters included, are updated in place
        changed_consumer = ConsumerSpec(
            "CERTIFICATE", "verification", ("certificate.licence.>",), max_deliver=7
        )
        changed = mesh_topology(consumers=[changed_consumer], namespace=nats_namespace)
        report = await changed.apply(js)
        assert report[f"{nats_namespace}_CERTIFICATE/verification"] == "updated"
        info = await js.consumer_info(f"{nats_namespace}_CERTIFICATE", "verification")
        assert info.config.max_deliver == 7
        assert info.config.filter_subject == f"{nats_namespace}.certificate.licence.>"
        assert set((await changed.apply(js)).values()) == {"unchanged"}

        # a stream's limits are updated in place
        longer = Topology(
            streams=tuple(
                StreamSpec(s.name, s.subjects, max_age=3 * s.max_age) for s in MESH_STREAMS
            ),
            namespace=nats_namespace,
        )
        assert set((await longer.apply(js)).values()) == {"updated"}
        assert set((await longer.apply(js)).values()) == {"unchanged"}

        # storage cannot change in place: refused with a reason, nothing half-done
        in_memory = Topology(
            streams=(StreamSpec("CATALOG", ("catalog.>",), storage="memory"),),
            namespace=nats_namespace,
        )
        with pytest.raises(TopologyError, match="storage"):
            await in_memory.apply(js)
    finally:
        await topology.delete(js)


async def test_a_consumer_the_server_cannot_update_is_recreated(
    bare_nats: NatsConnection, nats_namespace: str
) -> None:
    topology = mesh_topology(consumers=[VERIFICATION], namespace=nats_namespace)
    js = bare_nats.js
    stream = topology.stream_name("CERTIFICATE")
    try:
        await dataclasses.replace(topology, consumers=()).apply(js)
        # made by hand with a delivery policy JetStream cannot change in place
        config = topology.consumer(VERIFICATION).config()
        config.deliver_policy = api.DeliverPolicy.NEW
        await js.add_consumer(stream, config)
        report = await topology.apply(js)
        assert report[f"{stream}/verification"] == "recreated"
        info = await js.consumer_info(stream, "verification")
        assert info.config.deliver_policy == api.DeliverPolicy.ALL
        no_recreate = dataclasses.replace(topology, recreate_consumers=False)
        await js.delete_consumer(stream, "verification")
        await js.add_consumer(stream, config)
        with pytest.raises(TopologyError, match="refused"):
            await no_recreate.apply(js)
    finally:
        await topology.delete(js)
