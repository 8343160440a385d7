"""The dispute service: its definition for the service kit, and the app factory."""

from fastapi import FastAPI

from wuzheng.dispute.settings import DisputeSettings
from wuzheng.service import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="dispute",
    title="wuzheng dispute 异议投诉",
    description=(
        "Objections to licence data or catalog entries, routed to the responsible department, "
        "with SLA clocks, corrections and reports."
    ),
    settings_class=DisputeSettings,
    routers=[],
)


def create_app(settings: DisputeSettings | None = None) -> FastAPI:
    """The ASGI app (``uvicorn --factory wuzheng.dispute.app:create_app``)."""
    return create_service_app(DEFINITION, settings)
