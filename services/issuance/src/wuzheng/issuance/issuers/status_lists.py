"""Each issuer's status list (IETF Token Status List): an index per licence, a signed token
served at ``/v1/issuers/{issuer_code}/status-list`` and published, debounced, as
``certificate.status_list.published``.

Indices are drawn at random from a list at least half empty (it doubles as it fills), so a
licence's index says nothing about when it was issued or its neighbours (herd privacy).
Status values (see :mod:`wuzheng.issuance.offline`): valid 0; suspended 2; superseded 3;
revoked, cancelled 1. A licence waiting for joint seals is 1 (not valid) until the last
seal; an expired one keeps 0 — its sealed validity dates say it has expired.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import CreditCode, LicenceStatus
from wuzheng.contracts.events.certificate import StatusListPublished
from wuzheng.db import utcnow
from wuzheng.issuance.context import IssuanceContext
from wuzheng.issuance.errors import NotFound
from wuzheng.issuance.issuers.models import Issuer
from wuzheng.issuance.issuers.service import active_key, get_issuer
from wuzheng.issuance.licences.models import Licence
from wuzheng.issuance.offline import Status, StatusList, status_list_token

logger = logging.getLogger("wuzheng.issuance.status_lists")

STATUS_VALUES: dict[LicenceStatus, Status] = {
    LicenceStatus.PENDING_SEALS: Status.INVALID,
    LicenceStatus.VALID: Status.VALID,
    LicenceStatus.SUSPENDED: Status.SUSPENDED,
    LicenceStatus.REVOKED: Status.INVALID,
    LicenceStatus.CANCELLED: Status.INVALID,
    LicenceStatus.EXPIRED: Status.VALID,
    LicenceStatus.SUPERSEDED: Status.SUPERSEDED,
}


async def allocate_index(session: AsyncSession, issuer: Issuer, *, reserved: bool = False) -> int:
    """A free random index in the issuer's list (the issuer row must be locked; with
    ``reserved``, room was made by ``issuers.service.reserve``)."""
    if not reserved and (issuer.status_list_used + 1) * 2 > issuer.status_list_size:
        issuer.status_list_size *= 2
    while True:
        index = secrets.randbelow(issuer.status_list_size)
        with session.no_autoflush:  # the issuer's pending changes go out in one UPDATE later
            taken = await session.scalar(
                sa.select(sa.literal(True))
                .where(
                    Licence.issuer_code == issuer.issuer_code, Licence.status_list_index == index
                )
                .limit(1)
            )
        if not taken:
            if not reserved:
                issuer.status_list_used += 1
            return index


async def mark_changed(session: AsyncSession, issuer_code: str) -> None:
    """Record that a licence of the issuer changed status: its list is due again."""
    await session.execute(
        sa.update(Issuer)
        .where(Issuer.issuer_code == issuer_code)
        .values(status_version=Issuer.status_version + 1)
    )


async def build_list(session: AsyncSession, issuer: Issuer, bits: int) -> StatusList:
    status_list = StatusList(bits=bits, size=issuer.status_list_size)
    rows = await session.execute(
        sa.select(Licence.status_list_index, Licence.status).where(
            Licence.issuer_code == issuer.issuer_code
        )
    )
    for index, status in rows:
        value = STATUS_VALUES[LicenceStatus(status)]
        if value:
            status_list.set(index, value)
    return status_list


async def sign_list(
    session: AsyncSession, ctx: IssuanceContext, issuer: Issuer, now: datetime | None = None
) -> tuple[str, datetime]:
    """A freshly signed status list token of the issuer, and when it was issued."""
    settings = ctx.settings
    issued_at = (now or utcnow()).replace(microsecond=0)
    token = status_list_token(
        issuer.issuer_code,
        await build_list(session, issuer, settings.status_list_bits),
        await active_key(session, ctx, issuer),
        uri=settings.status_list_uri(issuer.issuer_code),
        ttl=timedelta(seconds=settings.status_list_ttl_seconds),
        valid_for=timedelta(seconds=settings.status_list_valid_seconds),
        issued_at=issued_at,
    )
    return token, issued_at


async def current_token(session: AsyncSession, ctx: IssuanceContext, issuer_code: str) -> str:
    """The issuer's status list as it stands now: the published token while it is current
    and fresh, else a new one."""
    issuer = await get_issuer(session, issuer_code)
    if issuer is None or issuer.active_kid is None:
        raise NotFound(f"issuer {issuer_code} has no status list here")
    if (
        issuer.status_list_token is not None
        and issuer.status_list_issued_at is not None
        and issuer.published_version == issuer.status_version
        and utcnow() - issuer.status_list_issued_at
        < timedelta(seconds=ctx.settings.status_list_ttl_seconds)
    ):
        return issuer.status_list_token
    token, _ = await sign_list(session, ctx, issuer)
    return token


async def due_issuers(session: AsyncSession, ctx: IssuanceContext) -> list[str]:
    """Issuers whose list changed since it was last published, or whose published token is
    half-way to expiry."""
    stale_before = utcnow() - timedelta(seconds=ctx.settings.status_list_valid_seconds / 2)
    rows = await session.scalars(
        sa.select(Issuer.issuer_code).where(
            Issuer.active_kid.is_not(None),
            sa.or_(
                Issuer.status_version != Issuer.published_version,
                Issuer.status_list_issued_at.is_(None),
                Issuer.status_list_issued_at < stale_before,
            ),
        )
    )
    return list(rows)


async def publish(ctx: IssuanceContext, issuer_code: str) -> bool:
    """Sign the issuer's list, store it and emit ``certificate.status_list.published``.

    The list is read and signed without holding the issuer row (issuing goes on meanwhile);
    storing it is a short conditional update that never replaces a newer publication. The
    version is read before the licences, so the list is at least as new as the version it
    is recorded under; a change that lands in between is published again next time.
    """
    async with ctx.database.sessionmaker() as session:
        issuer = await get_issuer(session, issuer_code)
        if issuer is None or issuer.active_kid is None:
            return False
        version = issuer.status_version
        token, issued_at = await sign_list(session, ctx, issuer)
    async with ctx.database.transaction() as session:
        stored = await session.execute(
            sa.update(Issuer)
            .where(
                Issuer.issuer_code == issuer_code,
                sa.or_(
                    Issuer.published_version < version,
                    Issuer.status_list_issued_at.is_(None),
                    Issuer.status_list_issued_at < issued_at,
                ),
            )
            .values(
                published_version=version,
                status_list_token=token,
                status_list_issued_at=issued_at,
            )
            .execution_options(synchronize_session=False)
        )
        if not getattr(stored, "rowcount", 0):
            return False
        await ctx.emit(
            session,
            StatusListPublished(
                issuer_code=CreditCode(issuer_code), token=token, issued_at=issued_at
            ),
            issuer_code,
        )
    return True


async def publish_due(ctx: IssuanceContext) -> int:
    """Publish every due issuer's list; returns how many were published."""
    async with ctx.database.sessionmaker() as session:
        due = await due_issuers(session, ctx)
    published = 0
    for issuer_code in due:
        if await publish(ctx, issuer_code):
            published += 1
    return published
