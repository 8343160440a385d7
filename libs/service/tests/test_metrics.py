"""/metrics of a kit service shows its event path: relay, consumer lag, redeliveries, dead
letters, and the domain metrics declared through wuzheng.service.metrics."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from wuzheng.contracts import EventEnvelope, new_event_id
from wuzheng.db import utcnow
from wuzheng.messaging.testing import wait_until
from wuzheng.service.metrics import (
    DOMAIN_METRICS,
    VERIFICATION_RESULTS,
    MetricSpec,
    domain_counter,
    domain_gauge,
    domain_histogram,
)
from wuzheng.service.testing import ServiceHarness


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, tuple(sorted(labels.items()))))


async def test_event_path_metrics(
    service_harness: ServiceHarness, probe: object, handled: dict[str, str]
) -> None:
    async with service_harness.run(probe) as svc:  # type: ignore[arg-type]
        runtime = svc.runtime
        ok = (await svc.client.post("/probe", json={"n": 1})).json()["event_id"]
        flaky = (await svc.client.post("/probe", json={"n": 2, "behaviour": "flaky"})).json()
        await svc.client.post("/probe", json={"n": 3, "behaviour": "poison"})
        consumer = runtime.consumer("probe-events")
        await wait_until(
            lambda: ok in handled and flaky["event_id"] in handled,
            timeout=15,
            message="probe events handled",
        )
        await wait_until(lambda: consumer.stats.dead_lettered == 1, timeout=10)

        # A row for a subject no stream takes: JetStream refuses it, the relay counts it.
        async with runtime.database.transaction() as session:
            await runtime.outbox.add(
                session,
                EventEnvelope(
                    id=new_event_id(),
                    time=utcnow(),
                    specversion="1.0",
                    source="/wuzheng/probe",
                    type="cn.wuzheng.nowhere.probe.lost.v1",
                    data={},
                ),
                subject=f"{runtime.topology.namespace}-nostream.probe",
            )
        await wait_until(lambda: runtime.relay.stats.failed_attempts >= 1, timeout=10)
        resolved = consumer.resolved

        async def all_answered() -> bool:  # acks travel asynchronously to the server
            info = await runtime.nats.js.consumer_info(resolved.stream, resolved.durable)
            return not (info.num_pending or info.num_ack_pending or info.num_redelivered)

        await wait_until(all_answered, timeout=10, message="every delivery answered")

        text = (await svc.client.get("/metrics")).text

    assert value(text, "wuzheng_outbox_published_total", service="probe") == 3
    failures = value(text, "wuzheng_outbox_publish_failures_total", service="probe")
    assert failures is not None
    assert failures >= 1
    assert value(text, "wuzheng_outbox_backlog", service="probe", status="pending") == 1
    oldest = value(text, "wuzheng_outbox_oldest_pending_seconds", service="probe")
    assert oldest is not None
    assert oldest >= 0
    labels = {"service": "probe", "consumer": "probe-events"}
    assert value(text, "wuzheng_events_consumed_total", result="processed", **labels) == 2
    assert value(text, "wuzheng_events_consumed_total", result="retried", **labels) == 1
    assert value(text, "wuzheng_events_consumed_total", result="dead_lettered", **labels) == 1
    assert value(text, "wuzheng_consumer_redeliveries_total", **labels) == 1
    assert value(text, "wuzheng_dead_letters_total", **labels) == 1
    assert value(text, "wuzheng_dead_letters_unreplayed", service="probe") == 1
    # consumer lag comes from JetStream: everything was delivered and answered
    assert value(text, "wuzheng_consumer_pending", **labels) == 0
    assert value(text, "wuzheng_consumer_ack_pending", **labels) == 0
    assert value(text, "wuzheng_consumer_redelivered", **labels) == 0


async def test_consumer_lag_counts_what_waits(
    service_harness: ServiceHarness, probe: object
) -> None:
    async with service_harness.run(probe) as svc:  # type: ignore[arg-type]
        consumer = svc.runtime.consumer("probe-events")
        await consumer.stop()  # nothing fetches: published events wait in the stream
        for n in range(4):
            await svc.client.post("/probe", json={"n": n})
        await wait_until(lambda: svc.runtime.relay.stats.published == 4, timeout=10)
        text = (await svc.client.get("/metrics")).text
        assert (
            value(text, "wuzheng_consumer_pending", service="probe", consumer="probe-events") == 4
        )

    # stopped apps leave the counters: a later scrape does not see this runtime any more
    after = REGISTRY.get_sample_value("wuzheng_outbox_published_total", {"service": "probe"})
    assert after is None


def test_domain_metrics_are_declared_once_and_reused() -> None:
    names = [spec.name for spec in DOMAIN_METRICS]
    assert "wuzheng_verification_results_total" in names
    assert "wuzheng_dispute_sla_breaches_total" in names
    assert VERIFICATION_RESULTS.labels == ("issuer", "status", "mode")
    counter = domain_counter(VERIFICATION_RESULTS)
    assert domain_counter(VERIFICATION_RESULTS) is counter
    before = (
        REGISTRY.get_sample_value(
            "wuzheng_verification_results_total",
            {"issuer": "11370784004392988A", "status": "valid", "mode": "online"},
        )
        or 0.0
    )
    counter.labels(issuer="11370784004392988A", status="valid", mode="online").inc()
    assert (
        REGISTRY.get_sample_value(
            "wuzheng_verification_results_total",
            {"issuer": "11370784004392988A", "status": "valid", "mode": "online"},
        )
        == before + 1
    )

    gauge_spec = MetricSpec("wuzheng_probe_queue_depth", "gauge", ("queue",), "probe")
    assert domain_gauge(gauge_spec) is domain_gauge(gauge_spec)
    histogram_spec = MetricSpec("wuzheng_probe_seconds", "histogram", (), "probe")
    histogram = domain_histogram(histogram_spec, buckets=(0.1, 1.0))
    histogram.observe(0.5)
    assert REGISTRY.get_sample_value("wuzheng_probe_seconds_bucket", {"le": "1.0"}) == 1


@pytest.mark.parametrize(
    ("name", "kind", "labels", "reason"),
    [
        ("verification_results_total", "counter", (), "start with wuzheng_"),
        ("wuzheng_results", "counter", (), "ends in _total"),
        ("wuzheng_x_total", "counter", ("Issuer",), "invalid label"),
        ("wuzheng_x_total", "counter", ("__name",), "invalid label"),
    ],
)
def test_bad_metric_specs_are_refused(
    name: str, kind: str, labels: tuple[str, ...], reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        MetricSpec(name, kind, labels, "help")  # type: ignore[arg-type]


def test_a_spec_is_used_with_its_own_kind() -> None:
    with pytest.raises(ValueError, match="not a gauge"):
        domain_gauge(VERIFICATION_RESULTS)
