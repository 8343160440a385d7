"""Rules of mandates: who may act for whom, for what, until when."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.auth import Caller
from wuzheng.contracts import HolderCode, InvalidInput, NotFound
from wuzheng.rescode.catalog_view import repository as catalog
from wuzheng.rescode.common import Relation, holder_out, shown
from wuzheng.rescode.context import Rescode
from wuzheng.rescode.errors import MandateRequired
from wuzheng.rescode.mandates.models import Mandate
from wuzheng.rescode.mandates.schemas import MandateIn, MandateList, MandateOut, MandateState


def state_of(mandate: Mandate, now: datetime) -> MandateState:
    if mandate.revoked_at is not None:
        return "revoked"
    if mandate.valid_until <= now:
        return "expired"
    if mandate.valid_from > now:
        return "pending"
    return "active"


def covers_item(mandate: Mandate, item_seq_no: int | None) -> bool:
    return mandate.items is None or (item_seq_no is not None and item_seq_no in mandate.items)


def allowed_types(mandate: Mandate | None, types: Sequence[str]) -> list[str]:
    """``types`` narrowed to what the mandate lets the agent have shown."""
    if mandate is None or mandate.licence_types is None:
        return list(types)
    return [t for t in types if t in mandate.licence_types]


def to_out(rescode: Rescode, mandate: Mandate, now: datetime) -> MandateOut:
    relation = Relation(mandate.relation)
    return MandateOut(
        mandate_id=mandate.id,
        principal=holder_out(rescode.vault.open(mandate.principal_sealed)),
        agent=holder_out(rescode.vault.open(mandate.agent_sealed)),
        relation=relation,
        relation_label=relation.label,
        items=mandate.items,
        licence_types=mandate.licence_types,
        valid_from=mandate.valid_from,
        valid_until=mandate.valid_until,
        granted_at=mandate.granted_at,
        revoked_at=mandate.revoked_at,
        state=state_of(mandate, now),
    )


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"{field}: {message}", errors=[{"field": field, "message": message, "type": "mandate"}]
    )


async def grant(
    session: AsyncSession, rescode: Rescode, caller: Caller, body: MandateIn
) -> MandateOut:
    now = rescode.now()
    relation = body.relation
    if not body.agent.is_person:
        raise _invalid("body.agent", "an agent is a person (111:<resident ID number>)")
    if body.agent == body.principal:
        raise _invalid("body.agent", "a holder does not need a mandate to act for themselves")
    if relation.for_organisations and body.principal.is_person:
        raise _invalid("body.relation", "company_staff (企业经办人) acts for an organisation")
    if not relation.for_organisations and not body.principal.is_person:
        raise _invalid("body.relation", f"{relation.value} acts for a person; use company_staff")
    valid_from = body.valid_from or now
    if body.valid_until <= max(now, valid_from):
        raise _invalid("body.valid_until", "must be after now and after valid_from")
    longest = timedelta(days=rescode.settings.mandate_max_days)
    if body.valid_until - valid_from > longest:
        raise _invalid("body.valid_until", f"a mandate lasts at most {longest.days} days")
    items = sorted(set(body.items)) if body.items is not None else None
    if items is not None:
        unknown = [n for n in items if await catalog.item(session, n) is None]
        if unknown:
            raise _invalid("body.items", f"unknown service item(s): {unknown}")
    types = list(dict.fromkeys(str(t) for t in body.licence_types)) if body.licence_types else None
    if body.licence_types is not None and not body.licence_types:
        raise _invalid("body.licence_types", "give at least one licence type, or null for all")
    if types is not None:
        known = await catalog.licence_types(session, types)
        unknown_types = [t for t in types if t not in known]
        if unknown_types:
            raise _invalid("body.licence_types", f"unknown licence type(s): {unknown_types}")
    mandate = Mandate(
        id="md_" + secrets.token_hex(16),
        principal_hash=rescode.vault.hash(body.principal),
        principal_sealed=rescode.vault.seal(body.principal),
        agent_hash=rescode.vault.hash(body.agent),
        agent_sealed=rescode.vault.seal(body.agent),
        relation=relation.value,
        items=items,
        licence_types=types,
        granted_by=caller.department_code or caller.subject,
        granted_at=now,
        valid_from=valid_from,
        valid_until=body.valid_until,
    )
    session.add(mandate)
    await session.flush()
    return to_out(rescode, mandate, now)


async def revoke(session: AsyncSession, rescode: Rescode, mandate_id: str) -> MandateOut:
    """Withdraw a mandate (idempotent): codes issued under it stop resolving at once."""
    mandate = await session.get(Mandate, mandate_id)
    if mandate is None:
        raise NotFound(f"no mandate {mandate_id}")
    now = rescode.now()
    if mandate.revoked_at is None:
        mandate.revoked_at = now
        await session.flush()
    return to_out(rescode, mandate, now)


async def list_for(session: AsyncSession, rescode: Rescode, holder: HolderCode) -> MandateList:
    now = rescode.now()
    key = rescode.vault.hash(holder)
    granted = await session.scalars(
        sa.select(Mandate).where(Mandate.principal_hash == key).order_by(Mandate.granted_at)
    )
    held = await session.scalars(
        sa.select(Mandate).where(Mandate.agent_hash == key).order_by(Mandate.granted_at)
    )
    return MandateList(
        holder=holder_out(holder, full=True),
        granted=[to_out(rescode, m, now) for m in granted],
        held=[to_out(rescode, m, now) for m in held],
    )


async def active_mandate(
    session: AsyncSession,
    rescode: Rescode,
    *,
    principal: HolderCode,
    agent: HolderCode,
    mandate_id: str | None,
) -> Mandate:
    """The active mandate under which ``agent`` acts for ``principal``: the one named, or
    the most recently granted; :class:`MandateRequired` (403) when there is none."""
    now = rescode.now()
    principal_hash, agent_hash = rescode.vault.hash(principal), rescode.vault.hash(agent)
    statement = sa.select(Mandate).where(
        Mandate.principal_hash == principal_hash,
        Mandate.agent_hash == agent_hash,
        Mandate.revoked_at.is_(None),
        Mandate.valid_from <= now,
        Mandate.valid_until > now,
    )
    if mandate_id is not None:
        statement = statement.where(Mandate.id == mandate_id)
    mandate = (
        await session.scalars(statement.order_by(Mandate.granted_at.desc()).limit(1))
    ).first()
    if mandate is None:
        named = f"mandate {mandate_id}" if mandate_id else "mandate"
        raise MandateRequired(f"no active {named} lets {shown(agent)} act for {shown(principal)}")
    return mandate
