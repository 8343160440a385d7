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
:data:`OutboxDep`. ``/metrics`` includes the outbox backlog.
"""

from wuzheng.service._cli import service_cli
from wuzheng.service._definition import ServiceDefinition, ServiceRuntime, Wire
from wuzheng.service._dependencies import OutboxDep, RuntimeDep, get_outbox, get_runtime
from wuzheng.service._factory import create_service_app

__all__ = [
    "OutboxDep",
    "RuntimeDep",
    "ServiceDefinition",
    "ServiceRuntime",
    "Wire",
    "create_service_app",
    "get_outbox",
    "get_runtime",
    "service_cli",
]
