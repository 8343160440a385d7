"""Rules of consents: grant, revoke, list, and which consent a scan may use."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.auth import Caller
from wuzheng.contracts import HolderCode, InvalidInput, NotFound
from wuzheng.contracts.events.rescode import (
    ConsentConsumed,
    ConsentGranted,
    ConsentRevoked,
    ConsentScope,
)
from wuzheng.messaging import Outbox
from wuzheng.rescode.catalog_view import repository as catalog
from wuzheng.rescode.common import holder_out
from wuzheng.rescode.consents.models import Consent
from wuzheng.rescode.consents.schemas import (
    ConsentIn,
    ConsentList,
    ConsentOut,
    ConsentState,
    LicenceTypeRef,
)
from wuzheng.rescode.context import Rescode
from wuzheng.rescode.errors import ConsentClosed
from wuzheng.rescode.events import emit


def state_of(consent: Consent, now: datetime) -> ConsentState:
    if consent.revoked_at is not None:
        return "revoked"
    if consent.consumed_at is not None:
        return "consumed"
    if consent.valid_until <= now:
        return "expired"
    return "active"


async def to_out(
    session: AsyncSession, rescode: Rescode, consents: Sequence[Consent]
) -> list[ConsentOut]:
    now = rescode.now()
    departments = await catalog.department_names(session, {c.department for c in consents})
    items = await catalog.item_names(
        session, {c.item_seq_no for c in consents if c.item_seq_no is not None}
    )
    types = await catalog.licence_types(session, {t for c in consents for t in c.licence_types})
    return [
        ConsentOut(
            consent_id=c.id,
            holder=holder_out(rescode.vault.open(c.holder_sealed), full=True),
            department=c.department,
            department_name=departments.get(c.department),
            item_seq_no=c.item_seq_no,
            item_name=items.get(c.item_seq_no) if c.item_seq_no is not None else None,
            licence_types=[
                LicenceTypeRef(code=t, name=types[t].name if t in types else None)
                for t in c.licence_types
            ],
            scope=ConsentScope(c.scope),
            purpose=c.purpose,
            granted_at=c.granted_at,
            valid_until=c.valid_until,
            state=state_of(c, now),
            revoked_at=c.revoked_at,
            consumed_at=c.consumed_at,
            consumed_by=c.consumed_by,
        )
        for c in consents
    ]


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"{field}: {message}", errors=[{"field": field, "message": message, "type": "consent"}]
    )


async def _check_catalogue(session: AsyncSession, body: ConsentIn, types: list[str]) -> None:
    if await catalog.department(session, body.department) is None:
        raise _invalid("body.department", f"unknown department {body.department!r}")
    known = await catalog.licence_types(session, types)
    if unknown := [t for t in types if t not in known]:
        raise _invalid("body.licence_types", f"unknown licence type(s): {unknown}")
    holder_kind = "person" if body.holder.is_person else "organisation"
    if wrong := [t for t in types if known[t].holder_kind != holder_kind]:
        raise _invalid(
            "body.licence_types", f"licence type(s) {wrong} are not held by a {holder_kind}"
        )
    if body.item_seq_no is None:
        return
    item = await catalog.item(session, body.item_seq_no)
    if item is None:
        raise _invalid("body.item_seq_no", f"unknown service item {body.item_seq_no}")
    needed = set(await catalog.item_licence_types(session, body.item_seq_no))
    if unneeded := [t for t in types if t not in needed]:
        raise _invalid(
            "body.licence_types",
            f"item {body.item_seq_no} does not need licence type(s) {unneeded}: "
            "a consent covers only what the item's materials name",
        )


def _valid_until(rescode: Rescode, body: ConsentIn, now: datetime) -> datetime:
    settings = rescode.settings
    longest = timedelta(days=settings.consent_max_days)
    if body.valid_until is None:
        if body.scope is ConsentScope.WINDOW:
            raise _invalid("body.valid_until", "a window consent needs valid_until")
        return now + timedelta(hours=settings.one_case_consent_hours)
    if body.valid_until <= now:
        raise _invalid("body.valid_until", "must be in the future")
    if body.valid_until - now > longest:
        raise _invalid("body.valid_until", f"a consent lasts at most {longest.days} days")
    return body.valid_until


async def grant(
    session: AsyncSession, outbox: Outbox, rescode: Rescode, caller: Caller, body: ConsentIn
) -> ConsentOut:
    now = rescode.now()
    types = list(dict.fromkeys(str(t) for t in body.licence_types))
    await _check_catalogue(session, body, types)
    consent = Consent(
        id="cs_" + secrets.token_hex(16),
        holder_hash=rescode.vault.hash(body.holder),
        holder_sealed=rescode.vault.seal(body.holder),
        department=body.department,
        item_seq_no=body.item_seq_no,
        licence_types=types,
        scope=body.scope.value,
        purpose=body.purpose,
        granted_by=caller.department_code or caller.subject,
        granted_at=now,
        valid_until=_valid_until(rescode, body, now),
    )
    session.add(consent)
    await session.flush()
    granted = ConsentGranted(
        consent_id=consent.id,
        holder=body.holder,
        department=consent.department,
        item_seq_no=consent.item_seq_no,
        licence_types=tuple(types),
        scope=body.scope,
        valid_until=consent.valid_until,
        granted_at=now,
    )
    await emit(session, outbox, (granted, consent.id))
    return (await to_out(session, rescode, [consent]))[0]


async def revoke(
    session: AsyncSession, outbox: Outbox, rescode: Rescode, consent_id: str
) -> ConsentOut:
    """Withdraw a consent. Withdrawing it again changes nothing; a consent already used up
    or expired cannot be withdrawn (409 ``consent-closed``)."""
    consent = await session.get(Consent, consent_id)
    if consent is None:
        raise NotFound(f"no consent {consent_id}")
    now = rescode.now()
    state = state_of(consent, now)
    if state in ("consumed", "expired"):
        raise ConsentClosed(f"consent {consent_id} is {state}: there is nothing to withdraw")
    if state == "active":
        consent.revoked_at = now
        await session.flush()
        holder = rescode.vault.open(consent.holder_sealed)
        revoked = ConsentRevoked(consent_id=consent.id, holder=holder, revoked_at=now)
        await emit(session, outbox, (revoked, consent.id))
    return (await to_out(session, rescode, [consent]))[0]


async def list_for(
    session: AsyncSession, rescode: Rescode, holder: HolderCode, state: ConsentState | None
) -> ConsentList:
    rows = await session.scalars(
        sa.select(Consent)
        .where(Consent.holder_hash == rescode.vault.hash(holder))
        .order_by(Consent.granted_at.desc(), Consent.id)
    )
    consents = await to_out(session, rescode, rows.all())
    if state is not None:
        consents = [c for c in consents if c.state == state]
    return ConsentList(holder=holder_out(holder, full=True), consents=consents)


async def applicable(
    session: AsyncSession, holder_hash: str, department: str, item_seq_no: int, now: datetime
) -> Consent | None:
    """The open consent a scan by ``department`` for ``item_seq_no`` may use: one naming
    the item before one for any item, a window before a one-case consent (so that a window
    the holder gave does not use up a one-case consent), then the one ending soonest."""
    rows = await session.scalars(
        sa.select(Consent).where(
            Consent.holder_hash == holder_hash,
            Consent.department == department,
            sa.or_(Consent.item_seq_no == item_seq_no, Consent.item_seq_no.is_(None)),
            Consent.revoked_at.is_(None),
            Consent.consumed_at.is_(None),
            Consent.valid_until > now,
        )
    )
    candidates = rows.all()
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda c: (
            c.item_seq_no is None,
            c.scope != ConsentScope.WINDOW.value,
            c.valid_until,
        ),
    )


async def consume(
    session: AsyncSession,
    outbox: Outbox | None,
    consent: Consent,
    holder: HolderCode,
    *,
    by: str,
    reference: str | None,
    now: datetime,
) -> bool:
    """Use up a one-case consent (no-op for a window). False when another request used it
    first. With an ``outbox``, announce it (``consent.grant.consumed``)."""
    if consent.scope != ConsentScope.ONE_CASE.value:
        return True
    result = await session.execute(
        sa.update(Consent)
        .where(Consent.id == consent.id, Consent.consumed_at.is_(None))
        .values(consumed_at=now, consumed_by=by, consumed_ref=reference)
        .execution_options(synchronize_session="fetch")
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    if outbox is not None:
        consumed = ConsentConsumed(
            consent_id=consent.id,
            holder=holder,
            consumed_by=by,
            department=consent.department,
            item_seq_no=consent.item_seq_no,
            reference=reference,
            consumed_at=now,
        )
        await emit(session, outbox, (consumed, consent.id))
    return True
