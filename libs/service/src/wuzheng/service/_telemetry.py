"""OpenTelemetry tracing for a served process, on only when an OTLP endpoint is configured.

``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) set, and
``OTEL_SDK_DISABLED`` not ``true``: :func:`configure_tracing` installs the SDK's tracer
provider with a batching OTLP/HTTP exporter (``http://collector:4318``; the exporter reads
the standard ``OTEL_EXPORTER_OTLP_*`` variables itself: headers, timeout, compression,
certificate). From then on the web kit makes a span per request and the messaging lib one
per publish, consume, request and reply. Unset: nothing is installed, no span is made,
nothing is exported.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Final

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

logger = logging.getLogger("wuzheng.service.telemetry")

ENDPOINT_VARIABLES: Final = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def otlp_endpoint(environ: Mapping[str, str] | None = None) -> str | None:
    """The configured OTLP endpoint, or None when traces are not to be exported."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    for name in ENDPOINT_VARIABLES:
        if value := env.get(name, "").strip():
            return value
    return None


def tracer_provider(
    service: str, version: str, exporter: SpanExporter, *, batch: bool = True
) -> TracerProvider:
    """A tracer provider naming the service (``service.name`` = ``wuzheng-<service>`` unless
    ``OTEL_SERVICE_NAME`` says otherwise; ``OTEL_RESOURCE_ATTRIBUTES`` are added)."""
    resource = Resource.create(
        {
            "service.name": os.environ.get("OTEL_SERVICE_NAME") or f"wuzheng-{service}",
            "service.namespace": "wuzheng",
            "service.version": version,
        }
    )
    provider = TracerProvider(resource=resource)
    if batch:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    else:
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: PLC0415

        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def configure_tracing(service: str, version: str) -> TracerProvider | None:
    """Install OTLP tracing for this process when an endpoint is configured.

    Returns the provider (call ``shutdown()`` on exit to flush the last spans) or None.
    Call once per process, before the app starts: OpenTelemetry keeps the first provider.
    """
    endpoint = otlp_endpoint()
    if endpoint is None:
        return None
    provider = tracer_provider(service, version, OTLPSpanExporter())
    trace.set_tracer_provider(provider)
    logger.info("exporting traces over OTLP/HTTP to %s", endpoint)
    return provider
