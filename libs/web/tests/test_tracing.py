"""With a tracer provider installed, each request is one SERVER span named by its route
template; the raw path (personal data) is never recorded."""

from __future__ import annotations

from httpx import AsyncClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from wuzheng.web import tracing_enabled

PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


async def test_a_request_is_one_server_span_without_the_raw_path(
    span_exporter: InMemorySpanExporter, client: AsyncClient
) -> None:
    assert tracing_enabled()
    response = await client.get("/items/370724199001011234", headers={"traceparent": PARENT})
    assert response.status_code == 200
    spans = span_exporter.get_finished_spans()
    assert [(span.name, span.kind) for span in spans] == [("GET /items/{item_id}", SpanKind.SERVER)]
    span = spans[0]
    assert span.context is not None
    assert f"{span.context.trace_id:032x}" == PARENT.split("-")[1]
    assert span.parent is not None
    assert f"{span.parent.span_id:016x}" == PARENT.split("-")[2]
    assert response.headers["traceparent"].split("-")[2] == f"{span.context.span_id:016x}"
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 200
    assert "370724199001011234" not in repr(dict(span.attributes))


async def test_a_server_error_marks_the_span(
    span_exporter: InMemorySpanExporter, client: AsyncClient
) -> None:
    await client.get("/boom")
    (span,) = span_exporter.get_finished_spans()
    assert span.name == "GET /boom"
    assert span.status.status_code == StatusCode.ERROR
    assert "hunter2" not in repr(span.events) + (span.status.description or "")


async def test_no_span_without_a_provider(client: AsyncClient) -> None:
    assert not tracing_enabled()
    response = await client.get("/items/1", headers={"traceparent": PARENT})
    assert response.headers["traceparent"].split("-")[1] == PARENT.split("-")[1]
