"""The verification service: its definition for the service kit, and the app factory."""

from fastapi import FastAPI

from wuzheng.service import ServiceDefinition, create_service_app
from wuzheng.verification.settings import VerificationSettings

DEFINITION = ServiceDefinition(
    name="verification",
    title="wuzheng verification 核验",
    description=(
        "One place for department systems to verify a licence or gather the evidence for a "
        "service item; the answer always comes from the issuer, and every use is recorded."
    ),
    settings_class=VerificationSettings,
    routers=[],
)


def create_app(settings: VerificationSettings | None = None) -> FastAPI:
    """The ASGI app (``uvicorn --factory wuzheng.verification.app:create_app``)."""
    return create_service_app(DEFINITION, settings)
