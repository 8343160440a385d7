"""The service kit: one :class:`ServiceDefinition` wires a whole service.

::

    DEFINITION = ServiceDefinition(
        name="verification",
        title="wuzheng verification 核验",
        settings_class=VerificationSettings,
        routers=[verifications.router],
        consumers=[ConsumerSpec("CERTIFICATE", "verification-certificates", ("certificate.>",))],
        wire=subscribe_handlers,      # registers handlers, adds responders/resources
    )

    app = create_service_app(DEFINITION)         # uvicorn factory
    cli = service_cli(DEFINITION)                # `python -m wuzheng.verification serve|migrate`

The app gets, in start order: the token validator, the database, the NATS connection (which
applies the mesh topology plus the service's consumers), the outbox relay, every consumer and
whatever ``wire`` added. ``app.state`` carries ``runtime`` (a :class:`ServiceRuntime`),
``database``, ``outbox`` and ``nats``; endpoints reach them with :data:`RuntimeDep` and
:data:`OutboxDep`.

Observability: ``/metrics`` has, besides the web kit's request counters and latency
histograms, the event path of the service — outbox backlog and relay publish failures,
consumer lag and redeliveries, dead letters (names in ``wuzheng.service._metrics``); a
service declares its domain metrics through :mod:`wuzheng.service.metrics`. ``serve``
exports OpenTelemetry traces over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set
(:func:`configure_tracing`); otherwise no span is made.
"""

from wuzheng.service._cli import service_cli
from wuzheng.service._database_errors import DatabaseUnavailable, install_database_problems
from wuzheng.service._definition import ServiceDefinition, ServiceRuntime, Wire
from wuzheng.service._dependencies import OutboxDep, RuntimeDep, get_outbox, get_runtime
from wuzheng.service._factory import create_service_app
from wuzheng.service._telemetry import configure_tracing, otlp_endpoint

__all__ = [
    "DatabaseUnavailable",
    "OutboxDep",
    "RuntimeDep",
    "ServiceDefinition",
    "ServiceRuntime",
    "Wire",
    "configure_tracing",
    "create_service_app",
    "get_outbox",
    "get_runtime",
    "install_database_problems",
    "otlp_endpoint",
    "service_cli",
]
