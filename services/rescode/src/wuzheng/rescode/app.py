"""The rescode service: its definition for the service kit, and the app factory."""

from fastapi import FastAPI

from wuzheng.rescode.settings import RescodeSettings
from wuzheng.service import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="rescode",
    title="wuzheng rescode 居民码/企业码",
    description=(
        "Resident and enterprise codes for the 爱山东 app and the counters: codes, consents, the "
        "wallet and who used my data."
    ),
    settings_class=RescodeSettings,
    routers=[],
)


def create_app(settings: RescodeSettings | None = None) -> FastAPI:
    """The ASGI app (``uvicorn --factory wuzheng.rescode.app:create_app``)."""
    return create_service_app(DEFINITION, settings)
