"""The verification service: its definition for the service kit, and the app factory."""

from fastapi import FastAPI

from wuzheng.service import ServiceDefinition, ServiceRuntime, create_service_app
from wuzheng.verification.audit.endpoints import router as audit
from wuzheng.verification.consumers import CONSUMERS, register
from wuzheng.verification.core import Core
from wuzheng.verification.evidence.endpoints import router as evidence
from wuzheng.verification.routes.endpoints import router as routes
from wuzheng.verification.settings import VerificationSettings
from wuzheng.verification.stats.endpoints import router as stats
from wuzheng.verification.verifications.endpoints import router as verifications


def wire(runtime: ServiceRuntime) -> None:
    """Build the shared core, register the event handlers, start the core with the service."""
    core = Core(runtime)
    register(core)
    runtime.add_resource(core)


DEFINITION = ServiceDefinition(
    name="verification",
    title="wuzheng verification 核验",
    description=(
        "One place for department systems to verify a licence or gather the evidence for a "
        "service item; the answer always comes from the issuer, and every use is recorded."
    ),
    settings_class=VerificationSettings,
    routers=[verifications, evidence, routes, audit, stats],
    consumers=CONSUMERS,
    wire=wire,
)


def create_app(settings: VerificationSettings | None = None) -> FastAPI:
    """The ASGI app (``uvicorn --factory wuzheng.verification.app:create_app``)."""
    return create_service_app(DEFINITION, settings)
