"""OpenTelemetry: one trace from an HTTP request through the outbox to the consumer's handler,
and through NATS request-reply; exported over OTLP only when an endpoint is configured."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from wuzheng.messaging.testing import wait_until
from wuzheng.service import configure_tracing, otlp_endpoint
from wuzheng.service.testing import ServiceHarness, reset_tracer_provider
from wuzheng.web import tracing_enabled

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
CALLER = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"


def hexid(value: int, width: int) -> str:
    return f"{value:0{width}x}"


def only(spans: list[ReadableSpan], kind: SpanKind, prefix: str) -> ReadableSpan:
    found = [s for s in spans if s.kind == kind and s.name.startswith(prefix)]
    assert len(found) == 1, [(s.name, s.kind) for s in spans]
    return found[0]


def parent_id(span: ReadableSpan) -> str | None:
    return hexid(span.parent.span_id, 16) if span.parent is not None else None


def span_id(span: ReadableSpan) -> str:
    assert span.context is not None
    return hexid(span.context.span_id, 16)


def trace_id(span: ReadableSpan) -> str:
    assert span.context is not None
    return hexid(span.context.trace_id, 32)


async def test_one_trace_spans_request_outbox_and_consumer(
    service_harness: ServiceHarness,
    probe: Any,
    handled: dict[str, str],
    span_exporter: InMemorySpanExporter,
) -> None:
    async with service_harness.run(probe) as svc:
        response = await svc.client.post("/probe", json={"n": 7}, headers={"traceparent": CALLER})
        assert response.status_code == 201
        event_id = response.json()["event_id"]
        await wait_until(lambda: event_id in handled, timeout=15, message="event handled")
        await wait_until(
            lambda: any(s.kind == SpanKind.CONSUMER for s in span_exporter.get_finished_spans()),
            timeout=5,
        )
    spans = list(span_exporter.get_finished_spans())
    server = only(spans, SpanKind.SERVER, "POST /probe")
    publish = only(spans, SpanKind.PRODUCER, "publish ")
    process = only(spans, SpanKind.CONSUMER, "process dispute.probe.recorded")

    # one trace id from the caller to the handler
    assert {trace_id(server), trace_id(publish), trace_id(process)} == {CALLER_TRACE}
    assert response.json()["trace_id"] == CALLER_TRACE
    assert handled[event_id] == CALLER_TRACE
    # and one tree: caller → request → publish → process
    assert parent_id(server) == CALLER_SPAN
    assert parent_id(publish) == span_id(server)
    assert parent_id(process) == span_id(publish)
    assert response.headers["traceparent"] == f"00-{CALLER_TRACE}-{span_id(server)}-01"
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/probe"
    assert server.attributes["http.response.status_code"] == 201
    assert publish.attributes is not None
    assert publish.attributes["messaging.message.id"] == event_id
    assert process.attributes is not None
    assert process.attributes["messaging.consumer.group.name"] == "probe-events"


async def test_failed_handling_marks_the_consumer_span(
    service_harness: ServiceHarness, probe: Any, span_exporter: InMemorySpanExporter
) -> None:
    async with service_harness.run(probe) as svc:
        await svc.client.post("/probe", json={"n": 8, "behaviour": "poison"})
        consumer = svc.runtime.consumer("probe-events")
        await wait_until(lambda: consumer.stats.dead_lettered == 1, timeout=15)
    process = only(list(span_exporter.get_finished_spans()), SpanKind.CONSUMER, "process ")
    assert not process.status.is_ok
    assert process.attributes is not None
    assert process.attributes["error.type"] == "PoisonMessage"
    # the reason's text (which may quote personal data) is not exported
    assert "asked" not in (process.status.description or "")


async def test_request_reply_is_a_client_and_a_server_span(
    service_harness: ServiceHarness, probe: Any, span_exporter: InMemorySpanExporter
) -> None:
    async with service_harness.run(probe) as svc:
        response = await svc.client.post("/ask", headers={"traceparent": CALLER})
        assert response.status_code == 200, response.text
    body = response.json()
    assert body["trace_id"] == CALLER_TRACE
    assert body["reply"]["trace_id"] == CALLER_TRACE  # the responder ran in the same trace
    spans = list(span_exporter.get_finished_spans())
    server = only(spans, SpanKind.SERVER, "POST /ask")
    client = only(spans, SpanKind.CLIENT, "request ")
    reply = only(spans, SpanKind.SERVER, "reply ")
    assert parent_id(client) == span_id(server)
    assert parent_id(reply) == span_id(client)
    assert {trace_id(server), trace_id(client), trace_id(reply)} == {CALLER_TRACE}


async def test_without_a_provider_no_span_is_made_and_the_trace_id_still_flows(
    service_harness: ServiceHarness, probe: Any, handled: dict[str, str]
) -> None:
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    assert not tracing_enabled()
    async with service_harness.run(probe) as svc:
        response = await svc.client.post("/probe", json={"n": 9}, headers={"traceparent": CALLER})
        event_id = response.json()["event_id"]
        await wait_until(lambda: event_id in handled, timeout=15)
    assert handled[event_id] == CALLER_TRACE
    assert response.headers["traceparent"].startswith(f"00-{CALLER_TRACE}-")
    assert CALLER_SPAN not in response.headers["traceparent"]  # a child span id, as before


def test_the_endpoint_decides_whether_traces_are_exported() -> None:
    assert otlp_endpoint({}) is None
    assert otlp_endpoint({"OTEL_EXPORTER_OTLP_ENDPOINT": " "}) is None
    assert otlp_endpoint({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}) == "http://c:4318"
    assert (
        otlp_endpoint(
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t:4318/v1/traces",
            }
        )
        == "http://t:4318/v1/traces"
    )
    assert (
        otlp_endpoint({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"})
        is None
    )


class _Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.received.append((self.path, self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """A stand-in OTLP/HTTP collector on 127.0.0.1 recording what it is sent."""
    received: list[tuple[str, bytes]] = []

    class Handler(_Collector):
        pass

    Handler.received = received
    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


async def test_traces_are_exported_over_otlp_when_an_endpoint_is_set(
    service_harness: ServiceHarness,
    probe: Any,
    handled: dict[str, str],
    collector: tuple[str, list[tuple[str, bytes]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint, received = collector
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    reset_tracer_provider()
    provider = configure_tracing("probe", "1.2.3")
    assert provider is not None
    try:
        async with service_harness.run(probe) as svc:
            response = await svc.client.post(
                "/probe", json={"n": 10}, headers={"traceparent": CALLER}
            )
            event_id = response.json()["event_id"]
            await wait_until(lambda: event_id in handled, timeout=15)
        provider.force_flush()
    finally:
        provider.shutdown()
        reset_tracer_provider()

    assert received, "nothing reached the collector"
    assert {path for path, _ in received} == {"/v1/traces"}
    names: set[str] = set()
    services: set[str] = set()
    trace_ids: set[str] = set()
    for _, body in received:
        export = ExportTraceServiceRequest.FromString(body)
        for resource_spans in export.resource_spans:
            for attribute in resource_spans.resource.attributes:
                if attribute.key == "service.name":
                    services.add(attribute.value.string_value)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    names.add(span.name)
                    trace_ids.add(span.trace_id.hex())
    assert services == {"wuzheng-probe"}
    assert "POST /probe" in names
    assert "process dispute.probe.recorded" in names
    assert any(name.startswith("publish ") for name in names)
    assert trace_ids == {CALLER_TRACE}
