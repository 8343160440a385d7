"""OpenTelemetry spans around the event path, made only when a tracer provider is installed.

The W3C trace context already travels in every envelope and NATS header. With a tracer
provider installed (the service kit does so when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set),
each hop is also a span continuing that context — the relay's ``publish`` (PRODUCER), a
consumer's ``process`` (CONSUMER), ``request`` (CLIENT) and a responder's ``reply``
(SERVER) — and the context passed on names the span, so the exported trace is one tree
from the HTTP request to the last handler. Without one, :func:`traced` only does what the
code did before: continue the context as a child (one ``isinstance`` check more).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Final

from opentelemetry import trace as otel
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import AttributeValue

from wuzheng.contracts.tracing import TraceContext

TRACER_NAME: Final = "wuzheng.messaging"
_PROPAGATOR: Final = TraceContextTextMapPropagator()

Attributes = Mapping[str, AttributeValue]
# Attributes are built only when a span is made: pass a function to keep tracing-off free.
LazyAttributes = Attributes | Callable[[], Attributes]


def _attributes(attributes: LazyAttributes) -> Attributes:
    return attributes() if callable(attributes) else attributes


def tracing_enabled() -> bool:
    """True once a real tracer provider is installed (the OpenTelemetry SDK's)."""
    provider = otel.get_tracer_provider()
    return not isinstance(provider, (otel.ProxyTracerProvider, otel.NoOpTracerProvider))


def parent_context(context: TraceContext | None) -> Context | None:
    if context is None:
        return None
    return _PROPAGATOR.extract(context.headers())


def trace_context_of(span: Span) -> TraceContext:
    span_context = span.get_span_context()
    state = span_context.trace_state.to_header() if span_context.trace_state else ""
    return TraceContext(
        traceparent=f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}-"
        f"{int(span_context.trace_flags):02x}",
        tracestate=state or None,
    )


def messaging_attributes(
    operation: str, subject: str, extra: Attributes | None = None
) -> Attributes:
    return {
        "messaging.system": "nats",
        "messaging.operation.type": operation,
        "messaging.destination.name": subject,
        **(extra or {}),
    }


def start_span(
    name: str, parent: TraceContext | None, kind: SpanKind, attributes: LazyAttributes
) -> tuple[TraceContext, Span | None]:
    """A span the caller ends (the relay ends it when the ack arrives), and the context to
    pass on; ``(parent.child(), None)`` when tracing is off."""
    if not tracing_enabled():
        return (parent.child() if parent else TraceContext.new()), None
    span = otel.get_tracer(TRACER_NAME).start_span(
        name, context=parent_context(parent), kind=kind, attributes=_attributes(attributes)
    )
    return trace_context_of(span), span


@contextmanager
def traced(
    name: str, parent: TraceContext | None, kind: SpanKind, attributes: LazyAttributes
) -> Iterator[tuple[TraceContext, Span | None]]:
    """A current span for the block and the context the block runs under and passes on."""
    if not tracing_enabled():
        yield (parent.child() if parent else TraceContext.new()), None
        return
    with otel.get_tracer(TRACER_NAME).start_as_current_span(
        name, context=parent_context(parent), kind=kind, attributes=_attributes(attributes)
    ) as span:
        yield trace_context_of(span), span


def failed(span: Span | None, error: BaseException | str) -> None:
    """Mark ``span`` (if any) as failed. Only the error's type (or a fixed reason) is
    recorded: exception messages may quote personal data, and spans leave the mesh."""
    if span is None:
        return
    reason = type(error).__name__ if isinstance(error, BaseException) else error
    span.set_attribute("error.type", reason)
    span.set_status(Status(StatusCode.ERROR, reason))
