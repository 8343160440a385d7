"""The dispute service: its definition for the service kit, and the app factory."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope
from wuzheng.dispute.context import DisputeContext
from wuzheng.dispute.disputes.corrections import on_licence_event, on_verification
from wuzheng.dispute.disputes.endpoints import router as disputes
from wuzheng.dispute.disputes.overdue import OverdueWatcher
from wuzheng.dispute.readmodels.handlers import (
    apply_department,
    apply_item,
    apply_licence_type,
)
from wuzheng.dispute.reports.endpoints import router as reports
from wuzheng.dispute.settings import DisputeSettings
from wuzheng.dispute.sla.endpoints import router as sla
from wuzheng.messaging import ConsumerSpec
from wuzheng.service import ServiceDefinition, ServiceRuntime, create_service_app

# Read models are fed by three streams. DESIGN.md lists certificate.* and catalog.*; the
# correction loop also needs verification.request.completed (who verified which version).
CERTIFICATES = ConsumerSpec("CERTIFICATE", "dispute-certificates", ("certificate.licence.>",))
CATALOG = ConsumerSpec(
    "CATALOG",
    "dispute-catalog",
    ("catalog.department.upserted", "catalog.item.upserted", "catalog.licence_type.upserted"),
)
VERIFICATIONS = ConsumerSpec(
    "VERIFICATION", "dispute-verifications", ("verification.request.completed",)
)


def wire(runtime: ServiceRuntime) -> None:
    """Create the shared context and the overdue detector; register the event handlers."""
    settings = runtime.settings
    assert isinstance(settings, DisputeSettings)
    context = DisputeContext(settings, runtime.database, runtime.outbox)
    context.watcher = OverdueWatcher(context, settings.overdue_check_seconds)
    runtime.add_resource(context)
    runtime.add_resource(context.watcher)

    async def licence_event(session: AsyncSession, envelope: EventEnvelope) -> None:
        await on_licence_event(session, context, envelope)

    async def verification(session: AsyncSession, envelope: EventEnvelope) -> None:
        await on_verification(session, context, envelope)

    runtime.consumer(CERTIFICATES.durable).on("certificate.licence.*", licence_event)
    runtime.consumer(VERIFICATIONS.durable).on("verification.request.completed", verification)
    catalog = runtime.consumer(CATALOG.durable)
    catalog.on("catalog.department.upserted", apply_department)
    catalog.on("catalog.item.upserted", apply_item)
    catalog.on("catalog.licence_type.upserted", apply_licence_type)


DEFINITION = ServiceDefinition(
    name="dispute",
    title="wuzheng dispute 异议投诉",
    description=(
        "Objections to licence data or catalog entries, routed to the responsible department, "
        "with SLA clocks, corrections and reports."
    ),
    settings_class=DisputeSettings,
    routers=[disputes, sla, reports],
    consumers=[CERTIFICATES, CATALOG, VERIFICATIONS],
    wire=wire,
)


def create_app(settings: DisputeSettings | None = None) -> FastAPI:
    """The ASGI app (``uvicorn --factory wuzheng.dispute.app:create_app``)."""
    return create_service_app(DEFINITION, settings)
