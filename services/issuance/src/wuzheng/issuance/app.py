"""The issuance service: its definition for the service kit, and the app factory."""

from fastapi import FastAPI

from wuzheng.issuance.settings import IssuanceSettings
from wuzheng.service import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="issuance",
    title="wuzheng issuance 证照制发",
    description=(
        "Issuing departments' sealed electronic licences, their lifecycle, and the issuer-side "
        "verification that answers for them (谁制发、谁核验)."
    ),
    settings_class=IssuanceSettings,
    routers=[],
)


def create_app(settings: IssuanceSettings | None = None) -> FastAPI:
    """The ASGI app (``uvicorn --factory wuzheng.issuance.app:create_app``)."""
    return create_service_app(DEFINITION, settings)
