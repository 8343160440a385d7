"""Events the verification service consumes, each applied once into a local read model:

- ``catalog.*`` → departments, licence types, items and their materials, the field library;
- ``certificate.issuer.served`` → the in-mesh route and JWKS of an issuer;
- ``certificate.licence.*`` → the holder licence index (holder stored as HMAC);
- ``certificate.status_list.published`` → each issuer's latest status list;
- ``consent.grant.*`` → consents (the token an evidence request presents).

Applying an event clears this replica's caches of what it changed.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventEnvelope
from wuzheng.contracts.events.catalog import (
    DepartmentUpserted,
    FieldUpserted,
    ItemMaterialsChanged,
    ItemUpserted,
    LicenceTypeUpserted,
)
from wuzheng.contracts.events.certificate import IssuerServed, StatusListPublished
from wuzheng.contracts.events.rescode import ConsentConsumed, ConsentGranted, ConsentRevoked
from wuzheng.messaging import ConsumerSpec, PoisonMessage
from wuzheng.verification.cache import after_commit
from wuzheng.verification.catalog import repository as catalog
from wuzheng.verification.consents import repository as consents
from wuzheng.verification.core import Core
from wuzheng.verification.licences import repository as licences
from wuzheng.verification.routes import repository as routes

CATALOG_CONSUMER = ConsumerSpec("CATALOG", "verification-catalog", ("catalog.>",))
CERTIFICATE_CONSUMER = ConsumerSpec("CERTIFICATE", "verification-certificate", ("certificate.>",))
CONSENT_CONSUMER = ConsumerSpec("RESCODE", "verification-consent", ("consent.>",))
CONSUMERS = (CATALOG_CONSUMER, CERTIFICATE_CONSUMER, CONSENT_CONSUMER)


def register(core: Core) -> None:
    runtime = core.runtime
    on_catalog = runtime.consumer(CATALOG_CONSUMER.durable).on
    on_certificate = runtime.consumer(CERTIFICATE_CONSUMER.durable).on
    on_consent = runtime.consumer(CONSENT_CONSUMER.durable).on

    @on_catalog("catalog.department.upserted")
    async def department(session: AsyncSession, envelope: EventEnvelope) -> None:
        await catalog.upsert_department(
            session, envelope.payload_as(DepartmentUpserted), envelope.time
        )

    @on_catalog("catalog.licence_type.upserted")
    async def licence_type(session: AsyncSession, envelope: EventEnvelope) -> None:
        await catalog.upsert_licence_type(
            session, envelope.payload_as(LicenceTypeUpserted), envelope.time
        )
        after_commit(session, core.catalog.invalidate)

    @on_catalog("catalog.item.upserted")
    async def item(session: AsyncSession, envelope: EventEnvelope) -> None:
        await catalog.upsert_item(session, envelope.payload_as(ItemUpserted), envelope.time)
        after_commit(session, core.catalog.invalidate)

    @on_catalog("catalog.item.materials_changed")
    async def materials(session: AsyncSession, envelope: EventEnvelope) -> None:
        await catalog.replace_materials(
            session, envelope.payload_as(ItemMaterialsChanged), envelope.time
        )
        after_commit(session, core.catalog.invalidate)

    @on_catalog("catalog.field.upserted")
    async def form_field(session: AsyncSession, envelope: EventEnvelope) -> None:
        await catalog.upsert_field(session, envelope.payload_as(FieldUpserted), envelope.time)
        after_commit(session, core.catalog.invalidate)

    @on_certificate("certificate.issuer.served")
    async def served(session: AsyncSession, envelope: EventEnvelope) -> None:
        event = envelope.payload_as(IssuerServed)
        await routes.apply_served(session, event, envelope.time)
        after_commit(session, lambda: core.routes.invalidate(str(event.issuer_code)))

    @on_certificate("certificate.status_list.published")
    async def status_list(session: AsyncSession, envelope: EventEnvelope) -> None:
        event = envelope.payload_as(StatusListPublished)
        await licences.apply_status_list(session, event)
        after_commit(session, lambda: core.status_lists.discard(str(event.issuer_code)))

    @on_certificate("certificate.licence.*")
    async def licence(session: AsyncSession, envelope: EventEnvelope) -> None:
        event = envelope.payload()
        if not isinstance(event, licences.LICENCE_EVENTS):
            raise PoisonMessage(f"{envelope.type} is not a licence event this service knows")
        holder_hmac = core.hasher.digest(event.holder)
        await licences.apply_licence_event(session, event, holder_hmac, envelope.time)

    @on_consent("consent.grant.granted")
    async def granted(session: AsyncSession, envelope: EventEnvelope) -> None:
        event = envelope.payload_as(ConsentGranted)
        await consents.apply_granted(
            session, event, core.hasher.digest(event.holder), envelope.time
        )

    @on_consent("consent.grant.revoked")
    async def revoked(session: AsyncSession, envelope: EventEnvelope) -> None:
        event = envelope.payload_as(ConsentRevoked)
        await consents.apply_revoked(session, event, core.hasher.digest(event.holder))

    @on_consent("consent.grant.consumed")
    async def consumed(session: AsyncSession, envelope: EventEnvelope) -> None:
        await consents.apply_consumed(session, envelope.payload_as(ConsentConsumed))
