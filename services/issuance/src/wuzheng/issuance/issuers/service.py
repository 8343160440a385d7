"""Issuer rows and seal keys: created on first need, rotated on request, published as JWKS.

Every write path takes the issuer row ``FOR UPDATE`` first (:func:`lock_issuer`), so two
requests never allocate the same serial or status-list index, nor both create a first key.
On SQLite the same holds because the first statement of such a transaction is a write
(``INSERT … ON CONFLICT DO NOTHING``), which takes the database's single write lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import CreditCode
from wuzheng.contracts.events.certificate import IssuerServed
from wuzheng.db import insert_ignore, utcnow
from wuzheng.issuance.context import IssuanceContext
from wuzheng.issuance.errors import NotFound
from wuzheng.issuance.issuers.models import Issuer, SealKeyRecord
from wuzheng.issuance.readmodel.service import DepartmentView
from wuzheng.issuance.seals import SealKey, SealSuite, generate_seal_key


def verify_subject(issuer_code: str) -> str:
    """The logical NATS subject the issuer answers verification requests on."""
    return f"verify.{issuer_code}"


_HELD_LOCKS = "wuzheng.issuance.held_issuer_locks"
_RESERVATIONS = "wuzheng.issuance.reservations"


@dataclass
class Reservation:
    """Serial numbers and status-list room reserved for a batch chunk under the issuer's
    lock, so its items do not update the issuer row one by one (on PostgreSQL, updating one
    row in many savepoints of a transaction gets slower with every update). Serials of
    items that fail are skipped: serials are unique, not gapless."""

    next_serial: int
    end_serial: int

    def take(self) -> int | None:
        if self.next_serial >= self.end_serial:
            return None
        serial, self.next_serial = self.next_serial, self.next_serial + 1
        return serial


async def reserve(session: AsyncSession, issuer: Issuer, count: int) -> None:
    """Reserve ``count`` serials and status-list entries of the locked ``issuer`` for this
    transaction (written at once, outside any savepoint) and mark its list due."""
    start = issuer.next_serial
    issuer.next_serial = start + count
    while (issuer.status_list_used + count) * 2 > issuer.status_list_size:
        issuer.status_list_size *= 2
    issuer.status_list_used += count
    issuer.status_version += 1
    await session.flush()
    session.info.setdefault(_RESERVATIONS, {})[issuer.issuer_code] = Reservation(
        start, start + count
    )


def reservation(session: AsyncSession, issuer_code: str) -> Reservation | None:
    found: Reservation | None = session.info.get(_RESERVATIONS, {}).get(issuer_code)
    return found


def hold_lock(session: AsyncSession, issuer: Issuer) -> None:
    """Note that the transaction holds the issuer's lock outside any savepoint, so
    :func:`lock_issuer` need not take it again (a batch). The row object is kept with the
    note, so the session's (weak) identity map keeps it too."""
    session.info.setdefault(_HELD_LOCKS, {})[issuer.issuer_code] = issuer


async def lock_issuer(session: AsyncSession, issuer_code: str) -> Issuer | None:
    """The issuer row, locked for the rest of the transaction (None if there is none).

    The lock is a write that changes nothing: a row lock on PostgreSQL, and on SQLite the
    database's write lock taken *before* the row is read, so the read is current.
    """
    held: Issuer | None = session.info.get(_HELD_LOCKS, {}).get(issuer_code)
    if held is not None:
        return await session.get(Issuer, issuer_code)  # the identity map's, current
    await session.execute(
        sa.update(Issuer)
        .where(Issuer.issuer_code == issuer_code)
        .values(next_serial=Issuer.next_serial)
        .execution_options(synchronize_session=False)
    )
    return await session.scalar(
        sa.select(Issuer)
        .where(Issuer.issuer_code == issuer_code)
        .execution_options(populate_existing=True)
    )


async def get_issuer(session: AsyncSession, issuer_code: str) -> Issuer | None:
    return await session.get(Issuer, issuer_code)


async def ensure_issuer(
    session: AsyncSession,
    ctx: IssuanceContext,
    department: DepartmentView,
    suite: SealSuite | None = None,
) -> Issuer:
    """The department's issuer row, locked, with an active seal key (created if missing, of
    ``suite`` or the department's configured suite)."""
    issuer = await lock_issuer(session, str(department.issuer_code))
    if issuer is not None and issuer.active_kid is not None:
        if issuer.department_code != department.code or issuer.name != department.name:
            issuer.department_code = department.code
            issuer.name = department.name
        return issuer
    await insert_ignore(
        session,
        Issuer.__table__,  # type: ignore[arg-type]
        {
            "issuer_code": str(department.issuer_code),
            "department_code": department.code,
            "name": department.name,
            "status_list_size": ctx.settings.status_list_min_size,
            "next_serial": 1,
            "status_list_used": 0,
            "status_version": 0,
            "published_version": -1,
            "created_at": utcnow(),
        },
        conflict_columns=["issuer_code"],
    )
    issuer = await lock_issuer(session, str(department.issuer_code))
    assert issuer is not None
    if issuer.department_code != department.code or issuer.name != department.name:
        issuer.department_code = department.code
        issuer.name = department.name
    if issuer.active_kid is None:
        first = generate_seal_key(suite or ctx.settings.suite_for(department.code))
        await _add_key(session, ctx, issuer, first)
        await emit_served(session, ctx, issuer)
    return issuer


async def _add_key(
    session: AsyncSession, ctx: IssuanceContext, issuer: Issuer, key: SealKey
) -> None:
    session.add(
        SealKeyRecord(
            kid=key.kid,
            issuer_code=issuer.issuer_code,
            suite=key.suite.value,
            public_jwk=key.public_jwk(),
            private_blob=ctx.encrypt(key),
            created_at=key.created_at,
        )
    )
    issuer.active_kid = key.kid
    ctx.remember(key)
    await session.flush()


async def active_key(session: AsyncSession, ctx: IssuanceContext, issuer: Issuer) -> SealKey:
    """The key the issuer seals with now."""
    if issuer.active_kid is None:
        raise RuntimeError(f"issuer {issuer.issuer_code} has no seal key yet")
    return await seal_key(session, ctx, issuer.issuer_code, issuer.active_kid)


async def seal_key(
    session: AsyncSession, ctx: IssuanceContext, issuer_code: str, kid: str
) -> SealKey:
    """The issuer's private key ``kid``, decrypted once per process."""
    cached = ctx.cached_key(kid)
    if cached is not None:
        return cached
    record = await session.get(SealKeyRecord, kid)
    if record is None or record.private_blob is None:
        raise RuntimeError(f"issuer {issuer_code}: seal key {kid} missing")
    return ctx.seal_key(record.kid, record.private_blob)


async def jwks(session: AsyncSession, issuer_code: str) -> dict[str, list[dict[str, Any]]]:
    """Every public key of the issuer, the active one first, then newest to oldest."""
    issuer = await get_issuer(session, issuer_code)
    if issuer is None or issuer.active_kid is None:
        raise NotFound(f"issuer {issuer_code} has no seal keys here")
    records = (
        await session.scalars(
            sa.select(SealKeyRecord)
            .where(SealKeyRecord.issuer_code == issuer_code)
            .order_by(SealKeyRecord.created_at.desc(), SealKeyRecord.kid)
        )
    ).all()
    ordered = sorted(records, key=lambda r: r.kid != issuer.active_kid)
    return {"keys": [dict(r.public_jwk) for r in ordered]}


async def emit_served(session: AsyncSession, ctx: IssuanceContext, issuer: Issuer) -> None:
    await ctx.emit(
        session,
        IssuerServed(
            issuer_code=CreditCode(issuer.issuer_code),
            department=issuer.department_code,
            verify_subject=verify_subject(issuer.issuer_code),
            jwks=await jwks(session, issuer.issuer_code),
        ),
        issuer.issuer_code,
    )


async def rotate(
    session: AsyncSession,
    ctx: IssuanceContext,
    issuer_code: str,
    suite: SealSuite | None,
    now: datetime | None = None,
) -> tuple[Issuer, SealKey]:
    """Put a fresh key (of ``suite``, default the current one) in place of the active key.

    The old key's public half stays in the JWKS; its encrypted private half is erased.
    """
    issuer = await lock_issuer(session, issuer_code)
    if issuer is None or issuer.active_kid is None:
        raise NotFound(f"issuer {issuer_code} has no seal keys here")
    old = await session.get(SealKeyRecord, issuer.active_kid)
    assert old is not None
    now = now or utcnow()
    new_key = generate_seal_key(suite or SealSuite(old.suite), created_at=now)
    old.private_blob = None
    old.retired_at = now
    ctx.forget(old.kid)
    await _add_key(session, ctx, issuer, new_key)
    await emit_served(session, ctx, issuer)
    return issuer, new_key


async def list_issuers(session: AsyncSession) -> list[tuple[Issuer, str | None]]:
    """Every issuer with keys here and the suite of its active key."""
    rows = (
        await session.execute(
            sa.select(Issuer, SealKeyRecord.suite)
            .join(SealKeyRecord, SealKeyRecord.kid == Issuer.active_kid, isouter=True)
            .order_by(Issuer.department_code, Issuer.issuer_code)
        )
    ).all()
    return [(issuer, suite) for issuer, suite in rows]
