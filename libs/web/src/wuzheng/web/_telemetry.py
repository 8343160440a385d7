"""OpenTelemetry spans for HTTP requests, made only when a tracer provider is installed.

Without one (no ``OTEL_EXPORTER_OTLP_ENDPOINT``: the service kit installs none) nothing here
runs but one ``isinstance`` check per request; the W3C trace context is carried as before.
With one, each request is a SERVER span continuing the caller's ``traceparent``, and the
request's :func:`~wuzheng.contracts.tracing.current_trace` is that span's context, so events
and NATS requests made while handling it are its children.
"""

from __future__ import annotations

from typing import Final

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from wuzheng.contracts.tracing import TraceContext

TRACER_NAME: Final = "wuzheng.web"
_PROPAGATOR: Final = TraceContextTextMapPropagator()


def tracing_enabled() -> bool:
    """True once a real tracer provider is installed (the OpenTelemetry SDK's)."""
    provider = trace.get_tracer_provider()
    return not isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider))


def parent_context(context: TraceContext | None) -> Context | None:
    """The OpenTelemetry parent for a W3C trace context (None: start a new trace)."""
    if context is None:
        return None
    return _PROPAGATOR.extract(context.headers())


def trace_context_of(span: Span) -> TraceContext:
    """The W3C trace context naming ``span``: what the next hop carries as its parent."""
    span_context = span.get_span_context()
    state = span_context.trace_state.to_header() if span_context.trace_state else ""
    return TraceContext(
        traceparent=f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}-"
        f"{int(span_context.trace_flags):02x}",
        tracestate=state or None,
    )
