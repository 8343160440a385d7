"""The issuance service: its definition for the service kit, and the app factory."""

from fastapi import FastAPI

from wuzheng.issuance.context import IssuanceContext
from wuzheng.issuance.disputes import service as disputes
from wuzheng.issuance.issuers.endpoints import router as issuers
from wuzheng.issuance.licences.endpoints import router as licences
from wuzheng.issuance.readmodel import service as readmodel
from wuzheng.issuance.settings import IssuanceSettings
from wuzheng.issuance.tasks import PeriodicTasks
from wuzheng.issuance.verify.endpoints import router as verify
from wuzheng.issuance.verify.responder import verify_responder
from wuzheng.messaging import ConsumerSpec
from wuzheng.service import ServiceDefinition, ServiceRuntime, create_service_app

CATALOG_CONSUMER = ConsumerSpec("CATALOG", "issuance-catalog", readmodel.CATALOG_EVENTS)
DISPUTE_CONSUMER = ConsumerSpec("DISPUTE", "issuance-disputes", disputes.DISPUTE_EVENTS)


def wire(runtime: ServiceRuntime) -> None:
    """Route catalog and dispute events, answer ``verify.*`` and run the periodic tasks."""
    ctx = IssuanceContext(runtime)
    runtime.add_resource(ctx)
    readmodel.register(runtime.consumer(CATALOG_CONSUMER.durable))
    disputes.register(runtime.consumer(DISPUTE_CONSUMER.durable), ctx)
    runtime.add_resource(verify_responder(runtime, ctx))
    runtime.add_resource(PeriodicTasks(ctx))


DEFINITION = ServiceDefinition(
    name="issuance",
    title="wuzheng issuance 证照制发",
    description=(
        "Issuing departments' sealed electronic licences, their lifecycle, and the issuer-side "
        "verification that answers for them (谁制发、谁核验)."
    ),
    settings_class=IssuanceSettings,
    routers=[licences, issuers, verify],
    consumers=[CATALOG_CONSUMER, DISPUTE_CONSUMER],
    wire=wire,
)


def create_app(settings: IssuanceSettings | None = None) -> FastAPI:
    """The ASGI app (``uvicorn --factory wuzheng.issuance.app:create_app``)."""
    return create_service_app(DEFINITION, settings)
