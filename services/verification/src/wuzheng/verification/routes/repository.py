"""SQL of the route registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts.events.certificate import IssuerServed
from wuzheng.db import utcnow
from wuzheng.verification.routes.credentials import RouteCredential
from wuzheng.verification.routes.models import IssuerRoute


async def get(session: AsyncSession, issuer_code: str) -> IssuerRoute | None:
    return await session.get(IssuerRoute, issuer_code)


async def list_all(session: AsyncSession) -> Sequence[IssuerRoute]:
    return (await session.scalars(sa.select(IssuerRoute).order_by(IssuerRoute.issuer_code))).all()


async def _row(session: AsyncSession, issuer_code: str) -> IssuerRoute:
    row = await session.get(IssuerRoute, issuer_code)
    if row is None:
        row = IssuerRoute(issuer_code=issuer_code, updated_at=utcnow())
        session.add(row)
    return row


async def apply_served(session: AsyncSession, event: IssuerServed, at: dt.datetime) -> None:
    row = await _row(session, str(event.issuer_code))
    if row.mesh_event_time is not None and at < row.mesh_event_time:
        return
    row.department = event.department
    row.mesh_subject = event.verify_subject
    row.mesh_jwks = dict(event.jwks)
    row.mesh_event_time = at
    row.updated_at = utcnow()


async def register_url(
    session: AsyncSession,
    issuer_code: str,
    *,
    url: str,
    jwks_url: str,
    department: str | None,
    timeout_ms: int | None,
    registered_by: str,
    credential: RouteCredential | None = None,
) -> IssuerRoute:
    row = await _row(session, issuer_code)
    if row.url != url or row.jwks_url != jwks_url:
        row.url_jwks = None
        row.jwks_fetched_at = None
    row.url = url
    row.jwks_url = jwks_url
    if department is not None:
        row.department = department
    row.timeout_ms = timeout_ms
    row.credential_kind = credential.kind if credential else None
    row.credential_ref = credential.ref if credential else None
    row.credential_key_ref = credential.key_ref if credential else None
    row.registered_by = registered_by
    row.registered_at = utcnow()
    row.updated_at = row.registered_at
    return row


async def drop_url(session: AsyncSession, row: IssuerRoute) -> None:
    row.url = row.jwks_url = None
    row.url_jwks = None
    row.credential_kind = row.credential_ref = row.credential_key_ref = None
    row.registered_by = None
    row.registered_at = None
    row.updated_at = utcnow()
    if row.mesh_subject is None:
        await session.delete(row)


async def store_jwks(
    session: AsyncSession, issuer_code: str, *, https: bool, jwks: dict[str, Any]
) -> None:
    now = utcnow()
    values: dict[str, Any] = {"jwks_fetched_at": now, "updated_at": now}
    values["url_jwks" if https else "mesh_jwks"] = jwks
    await session.execute(
        sa.update(IssuerRoute).where(IssuerRoute.issuer_code == issuer_code).values(**values)
    )
