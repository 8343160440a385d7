"""The rescode service: its definition for the service kit, and the app factory."""

from fastapi import FastAPI

from wuzheng.messaging import ConsumerSpec
from wuzheng.rescode.access_log.endpoints import router as access_log
from wuzheng.rescode.codes.endpoints import router as codes
from wuzheng.rescode.consents.endpoints import router as consents
from wuzheng.rescode.mandates.endpoints import router as mandates
from wuzheng.rescode.settings import RescodeSettings
from wuzheng.rescode.wallet.endpoints import router as wallet
from wuzheng.rescode.wiring import (
    CATALOG_CONSUMER,
    CERTIFICATE_CONSUMER,
    DISPUTE_CONSUMER,
    VERIFICATION_CONSUMER,
    wire,
)
from wuzheng.service import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="rescode",
    title="wuzheng rescode 居民码/企业码",
    description=(
        "Resident and enterprise codes for the 爱山东 app and the counters: codes, consents, the "
        "wallet and who used my data."
    ),
    settings_class=RescodeSettings,
    routers=[codes, consents, mandates, wallet, access_log],
    consumers=[
        ConsumerSpec(
            "CATALOG",
            CATALOG_CONSUMER,
            (
                "catalog.department.upserted",
                "catalog.licence_type.upserted",
                "catalog.item.upserted",
                "catalog.item.materials_changed",
            ),
        ),
        ConsumerSpec("CERTIFICATE", CERTIFICATE_CONSUMER, ("certificate.licence.>",)),
        ConsumerSpec("DISPUTE", DISPUTE_CONSUMER, ("dispute.case.opened", "dispute.case.closed")),
        ConsumerSpec("VERIFICATION", VERIFICATION_CONSUMER, ("verification.request.completed",)),
    ],
    wire=wire,
)


def create_app(settings: RescodeSettings | None = None) -> FastAPI:
    """The ASGI app (``uvicorn --factory wuzheng.rescode.app:create_app``)."""
    return create_service_app(DEFINITION, settings)
