"""Issuing, sealing and the lifecycle of licences: the rules live here.

Statuses and what moves between them::

    issue ──► valid ◄──────────── reinstate ─── suspended
      │         │  └─ suspend ──────────────────────►│
      │         ├─ revoke (annulled | penalty) ──► revoked      (also from suspended, expired)
      │         ├─ cancel ───────────────────────► cancelled    (also from suspended, expired,
      │         ├─ amend ──► new version; this one ► superseded  pending_seals)
      │         └─ (valid_until passed) ─────────► expired      (also from suspended)
      └─► pending_seals ── last joint seal ──► valid

Every change writes a history entry (who, when, why) and stages its ``certificate.*`` event
in the same transaction, and marks the issuer's status list as due.

Locks: a licence row is taken ``FOR UPDATE`` before the issuer row, never the other way
round; a version's predecessor before the version itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import (
    Conflict,
    CreditCode,
    HolderCode,
    LicenceId,
    LicenceStatus,
    RevocationKind,
)
from wuzheng.contracts.events.certificate import (
    LicenceCancelled,
    LicenceExpired,
    LicenceReinstated,
    LicenceRevoked,
    LicenceSuspended,
)
from wuzheng.db import insert_ignore, utcnow
from wuzheng.issuance import events
from wuzheng.issuance.context import IssuanceContext
from wuzheng.issuance.disputes.models import Objection
from wuzheng.issuance.errors import (
    AlreadySealed,
    FieldError,
    IdempotencyKeyReused,
    IllegalTransition,
    LicenceNoTaken,
    NoDepartment,
    NotFound,
    NotIssuedHere,
    NotYourLicence,
    invalid,
)
from wuzheng.issuance.issuers.models import Issuer
from wuzheng.issuance.issuers.service import (
    active_key,
    ensure_issuer,
    hold_lock,
    lock_issuer,
    reservation,
    reserve,
)
from wuzheng.issuance.issuers.status_lists import allocate_index, mark_changed
from wuzheng.issuance.licences.document import build_document, seal
from wuzheng.issuance.licences.fields import (
    FieldValue,
    check_fields,
    date_errors,
    holder_errors,
    system_fields,
    user_fields,
)
from wuzheng.issuance.licences.models import HistoryEntry, IdempotencyKey, Licence, LicenceSeal
from wuzheng.issuance.licences.schemas import IssueRequest
from wuzheng.issuance.readmodel import service as readmodel
from wuzheng.issuance.readmodel.service import DepartmentView, LicenceTypeView

VALID: Final = LicenceStatus.VALID
SUSPENDED: Final = LicenceStatus.SUSPENDED
PENDING: Final = LicenceStatus.PENDING_SEALS


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a department and its operator (or the service itself)."""

    department: str
    operator: str | None = None

    def __str__(self) -> str:
        return f"{self.department}/{self.operator or '-'}"


SYSTEM: Final = Actor("system", "issuance")


@dataclass(frozen=True)
class Transition:
    allowed_from: frozenset[LicenceStatus]
    to: LicenceStatus
    event: type[
        LicenceSuspended | LicenceReinstated | LicenceRevoked | LicenceCancelled | LicenceExpired
    ]


TRANSITIONS: Final[Mapping[str, Transition]] = {
    "suspend": Transition(frozenset({VALID}), SUSPENDED, LicenceSuspended),
    "reinstate": Transition(frozenset({SUSPENDED}), VALID, LicenceReinstated),
    "revoke": Transition(
        frozenset({VALID, SUSPENDED, LicenceStatus.EXPIRED}), LicenceStatus.REVOKED, LicenceRevoked
    ),
    "cancel": Transition(
        frozenset({VALID, SUSPENDED, LicenceStatus.EXPIRED, PENDING}),
        LicenceStatus.CANCELLED,
        LicenceCancelled,
    ),
    "expire": Transition(frozenset({VALID, SUSPENDED}), LicenceStatus.EXPIRED, LicenceExpired),
}
PAST_TENSE: Final = {
    "suspend": "suspended",
    "reinstate": "reinstated",
    "revoke": "revoked",
    "cancel": "cancelled",
    "expire": "expired",
}


@dataclass(frozen=True)
class Issued:
    licence: Licence
    replayed: bool


# -- reading ------------------------------------------------------------------------------


async def get(session: AsyncSession, licence_id: str) -> Licence:
    licence = await session.get(Licence, licence_id)
    if licence is None:
        raise NotFound(f"no licence {licence_id}")
    return licence


async def _lock(session: AsyncSession, licence_id: str) -> Licence:
    """The licence row, locked for the rest of the transaction (see ``lock_issuer``)."""
    await session.execute(
        sa.update(Licence)
        .where(Licence.id == licence_id)
        .values(updated_at=Licence.updated_at)
        .execution_options(synchronize_session=False)
    )
    licence = await session.scalar(
        sa.select(Licence).where(Licence.id == licence_id).execution_options(populate_existing=True)
    )
    if licence is None:
        raise NotFound(f"no licence {licence_id}")
    return licence


async def _lock_with_predecessor(
    session: AsyncSession, licence_id: str
) -> tuple[Licence, Licence | None]:
    """The licence and its predecessor, locked predecessor first."""
    licence = await get(session, licence_id)
    previous = await _lock(session, licence.previous_id) if licence.previous_id else None
    return await _lock(session, licence_id), previous


def check_owner(licence: Licence, actor: Actor) -> None:
    if licence.department_code != actor.department:
        raise NotYourLicence(
            f"licence {licence.id} was issued by {licence.department_code}; "
            f"the caller acts for {actor.department}"
        )


async def seals_of(session: AsyncSession, licence_id: str) -> list[LicenceSeal]:
    rows = await session.scalars(
        sa.select(LicenceSeal)
        .where(LicenceSeal.licence_id == licence_id)
        .order_by(LicenceSeal.sealed_at, LicenceSeal.department_code)
    )
    return list(rows)


async def under_objection(session: AsyncSession, licence_id: str) -> bool:
    found = await session.scalar(
        sa.select(sa.literal(True))
        .where(Objection.licence_id == licence_id, Objection.closed_at.is_(None))
        .limit(1)
    )
    return bool(found)


async def history(session: AsyncSession, licence_id: str) -> list[HistoryEntry]:
    rows = await session.scalars(
        sa.select(HistoryEntry)
        .where(HistoryEntry.licence_id == licence_id)
        .order_by(HistoryEntry.at, HistoryEntry.id)
    )
    return list(rows)


async def current_version(session: AsyncSession, licence: Licence) -> Licence:
    """The newest version a superseded licence leads to (itself if not superseded)."""
    seen = 0
    while licence.superseded_by is not None and seen < 1000:
        licence = await get(session, licence.superseded_by)
        seen += 1
    return licence


async def holder_licences(
    session: AsyncSession, holder: HolderCode, *, include_superseded: bool = False
) -> list[Licence]:
    query = sa.select(Licence).where(Licence.holder == str(holder))
    if not include_superseded:
        query = query.where(Licence.status != LicenceStatus.SUPERSEDED.value)
    rows = await session.scalars(query.order_by(Licence.created_at, Licence.id))
    return list(rows)


# -- history ------------------------------------------------------------------------------


def _record(
    session: AsyncSession,
    licence: Licence,
    action: str,
    from_status: LicenceStatus | None,
    actor: Actor,
    reason: str,
    at: datetime,
    *,
    dispute_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        HistoryEntry(
            licence_id=licence.id,
            at=at,
            action=action,
            from_status=from_status.value if from_status else None,
            to_status=licence.status,
            actor_department=actor.department,
            actor_operator=actor.operator,
            reason=reason,
            dispute_id=dispute_id,
            details=details or {},
        )
    )


# -- issuing ------------------------------------------------------------------------------


def fingerprint(request: IssueRequest) -> str:
    """What makes two issuing requests "the same" for an idempotency key."""
    body = request.model_dump(mode="json", exclude={"idempotency_key"})
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


async def _replay(session: AsyncSession, claimed: IdempotencyKey, digest: str) -> Issued:
    if claimed.fingerprint != digest:
        raise IdempotencyKeyReused(
            f"idempotency key {claimed.key!r} was used for a different request "
            f"(licence {claimed.licence_id})",
            licence_id=claimed.licence_id,
        )
    assert claimed.licence_id is not None
    return Issued(await get(session, claimed.licence_id), replayed=True)


async def _department(
    session: AsyncSession, code: str, lookup: readmodel.Lookup | None = None
) -> DepartmentView:
    lookup = lookup or readmodel.Lookup(session)
    department = await lookup.department(code)
    if department is None:
        raise NoDepartment(f"department {code!r} is not in the catalog (read model)")
    return department


async def required_seals(
    session: AsyncSession, ctx: IssuanceContext, licence_type: LicenceTypeView, department: str
) -> list[str]:
    """The departments whose seals a new licence (version) of the type needs, the issuing
    department first: just it, unless ``ISSUANCE_JOINT_SEALS`` names the type."""
    policy = ctx.settings.joint_seals.get(licence_type.code)
    if not policy:
        return [department]
    if department not in policy:
        raise NotIssuedHere(
            f"licence type {licence_type.code} ({licence_type.name}) is sealed jointly by "
            f"{', '.join(policy)}; {department} is not one of them"
        )
    for code in policy:
        if await readmodel.department(session, code) is None:
            raise Conflict(
                f"joint seal of {licence_type.code} needs department {code!r}, which the "
                "catalog read model does not know"
            )
    return [department, *(code for code in policy if code != department)]


async def _check_request(
    session: AsyncSession,
    ctx: IssuanceContext,
    actor: Actor,
    request: IssueRequest,
    location: str,
    lookup: readmodel.Lookup,
) -> tuple[DepartmentView, LicenceTypeView, dict[str, FieldValue]]:
    """The issuing department, the licence type and the checked fields of a request; 403
    or 422 naming what is wrong."""
    department = await _department(session, actor.department, lookup)
    licence_type = await lookup.licence_type(str(request.type_code))
    errors: list[FieldError] = []
    if request.issuer_code is not None and request.issuer_code != department.issuer_code:
        owner = await readmodel.department_by_issuer(session, request.issuer_code)
        if owner is not None:
            raise NotIssuedHere(
                f"issuer {request.issuer_code} is {owner.code}; the caller acts for "
                f"{actor.department} ({department.issuer_code})"
            )
        errors.append(
            FieldError(
                f"{location}.issuer_code",
                f"unknown issuer {request.issuer_code}: no department of the catalog "
                "issues under it",
                "unknown_issuer",
            )
        )
    if licence_type is None:
        errors.append(
            FieldError(
                f"{location}.type_code",
                f"unknown licence type {request.type_code}: not in the catalog",
                "unknown_licence_type",
            )
        )
    if errors or licence_type is None:
        raise invalid(errors)
    if actor.department not in licence_type.issuer_departments:
        raise NotIssuedHere(
            f"{actor.department} does not issue licence type {licence_type.code} "
            f"({licence_type.name}); its issuers: {', '.join(licence_type.issuer_departments)}"
        )
    today = ctx.settings.today()
    errors += holder_errors(licence_type, request.holder, f"{location}.holder")
    errors += date_errors(request.valid_from, request.valid_until, today, location)
    values, field_errors = check_fields(licence_type, request.fields, f"{location}.fields")
    errors += field_errors
    if errors:
        raise invalid(errors)
    return department, licence_type, values


async def prepare_batch(
    session: AsyncSession, ctx: IssuanceContext, actor: Actor, size: int
) -> readmodel.Lookup:
    """Open a batch chunk's transaction with the caller's issuer row locked (creating it
    and its key if needed) and ``size`` serials reserved, so each item's savepoint nests
    inside one transaction on SQLite too and leaves the issuer row alone. Returns the
    chunk's read-model lookup."""
    lookup = readmodel.Lookup(session)
    department = await lookup.department(actor.department)
    if department is not None:
        issuer = await ensure_issuer(session, ctx, department)
        hold_lock(session, issuer)
        await reserve(session, issuer, size)
    return lookup


async def issue(
    session: AsyncSession,
    ctx: IssuanceContext,
    actor: Actor,
    request: IssueRequest,
    idempotency_key: str,
    *,
    location: str = "body",
    lookup: readmodel.Lookup | None = None,
) -> Issued:
    """Issue a licence (or find the one this idempotency key already issued).

    ``lookup`` memoises read-model lookups across the items of a batch."""
    digest = fingerprint(request)
    claimed = await session.get(IdempotencyKey, (actor.department, idempotency_key))
    if claimed is not None:
        return await _replay(session, claimed, digest)

    department, licence_type, values = await _check_request(
        session, ctx, actor, request, location, lookup or readmodel.Lookup(session)
    )
    today = ctx.settings.today()
    required = await required_seals(session, ctx, licence_type, actor.department)

    issuer = await ensure_issuer(session, ctx, department)
    reserved = reservation(session, issuer.issuer_code)
    counter = (reserved.take() if reserved else None) or issuer.next_serial
    serial = f"{today.year:04d}{counter:08d}"
    licence_id = LicenceId.build(licence_type.code, issuer.issuer_code, serial, 1)
    # Under the issuer's lock a concurrent request with the same key has either committed
    # (the insert finds its key) or not started issuing.
    fresh = await insert_ignore(
        session,
        IdempotencyKey.__table__,  # type: ignore[arg-type]
        {
            "department_code": actor.department,
            "key": idempotency_key,
            "fingerprint": digest,
            "licence_id": licence_id,
            "created_at": utcnow(),
        },
        conflict_columns=["department_code", "key"],
    )
    if not fresh:
        claimed = await session.get(
            IdempotencyKey, (actor.department, idempotency_key), populate_existing=True
        )
        assert claimed is not None
        return await _replay(session, claimed, digest)
    if counter == issuer.next_serial:
        issuer.next_serial = counter + 1
    licence_no = request.licence_no or f"{licence_type.code[-3:]}{serial}"
    if request.licence_no is not None:
        taken = await session.scalar(
            sa.select(Licence.id).where(
                Licence.issuer_code == issuer.issuer_code,
                Licence.type_code == licence_type.code,
                Licence.licence_no == request.licence_no,
            )
        )
        if taken is not None:
            raise LicenceNoTaken(
                f"证照编号 {request.licence_no} is already licence {taken}", licence_id=taken
            )
    fields = {
        **system_fields(
            licence_type,
            licence_no=licence_no,
            issuer=department,
            issuer_code=issuer.issuer_code,
            issued_on=today,
            holder=request.holder,
            valid_from=request.valid_from,
            valid_until=request.valid_until,
        ),
        **values,
    }
    document = build_document(
        licence_id=licence_id,
        licence_no=licence_no,
        version=1,
        type_code=licence_type.code,
        type_name=licence_type.name,
        issuer_code=issuer.issuer_code,
        issuer_name=department.name,
        department=department.code,
        holder=request.holder,
        valid_from=request.valid_from,
        valid_until=request.valid_until,
        issued_on=today,
        fields=fields,
        seals=required,
        previous=None,
    )
    licence = await _create(
        session,
        ctx,
        issuer,
        actor,
        licence_id=licence_id,
        licence_no=licence_no,
        serial=serial,
        version=1,
        type_code=licence_type.code,
        holder=request.holder,
        valid_from=request.valid_from,
        valid_until=request.valid_until,
        document=document,
        required=required,
        previous=None,
    )
    now = licence.created_at
    if licence.status == VALID:
        _record(session, licence, "issued", None, actor, "issued", now)
        await ctx.emit(session, events.issued(licence, now), licence.id)
    else:
        _record(
            session,
            licence,
            "created",
            None,
            actor,
            f"issued; waiting for the seals of {', '.join(required[1:])}",
            now,
            details={"sealed_by": [actor.department]},
        )
        await ctx.emit(
            session, events.seal_added(licence, actor.department, [actor.department]), licence.id
        )
    return Issued(licence, replayed=False)


async def _create(
    session: AsyncSession,
    ctx: IssuanceContext,
    issuer: Issuer,
    actor: Actor,
    *,
    licence_id: str,
    licence_no: str,
    serial: str,
    version: int,
    type_code: str,
    holder: HolderCode,
    valid_from: date,
    valid_until: date | None,
    document: dict[str, Any],
    required: list[str],
    previous: str | None,
) -> Licence:
    """Store a new licence version sealed by ``actor``'s department with ``issuer``'s key
    (the issuer row locked), pending if other seals are required."""
    now = utcnow()
    reserved = reservation(session, issuer.issuer_code) is not None
    complete = len(required) == 1
    licence = Licence(
        id=licence_id,
        type_code=type_code,
        issuer_code=issuer.issuer_code,
        serial=serial,
        version=version,
        department_code=actor.department,
        licence_no=licence_no,
        holder=str(holder),
        status=(VALID if complete else PENDING).value,
        revocation=None,
        valid_from=valid_from,
        valid_until=valid_until,
        status_list_index=await allocate_index(session, issuer, reserved=reserved),
        seals_required=required,
        document=document,
        previous_id=previous,
        superseded_by=None,
        created_at=now,
        issued_at=now if complete else None,
        updated_at=now,
    )
    if not reserved:
        issuer.status_version += 1  # its status list is due (see status_lists.mark_changed)
    session.add(licence)
    await session.flush()  # the licence row before its seal (foreign key)
    await _seal(session, ctx, licence, issuer, actor, now)
    return licence


async def _seal(
    session: AsyncSession,
    ctx: IssuanceContext,
    licence: Licence,
    sealer: Issuer,
    actor: Actor,
    now: datetime,
) -> LicenceSeal:
    key = await active_key(session, ctx, sealer)
    row = LicenceSeal(
        licence_id=licence.id,
        department_code=actor.department,
        issuer_code=sealer.issuer_code,
        kid=key.kid,
        jws=seal(
            licence.document,
            key,
            sealer.issuer_code,
            now,
            licence.status_list_index,
            ctx.settings.status_list_uri(licence.issuer_code),
        ),
        operator_id=actor.operator,
        sealed_at=now,
    )
    session.add(row)
    return row


# -- joint seals --------------------------------------------------------------------------


async def add_seal(
    session: AsyncSession, ctx: IssuanceContext, actor: Actor, licence_id: str
) -> Licence:
    """``actor``'s department adds its seal; the last required seal makes the licence valid
    (for an amendment: takes its predecessor's place)."""
    licence, previous = await _lock_with_predecessor(session, licence_id)
    if actor.department not in licence.seals_required:
        raise NotYourLicence(
            f"licence {licence.id} needs the seals of {', '.join(licence.seals_required)}; "
            f"not of {actor.department}"
        )
    if licence.status != PENDING.value:
        raise IllegalTransition(
            f"licence {licence.id} is {licence.status}: seals are added while it is pending_seals",
            current_status=licence.status,
        )
    present = [s.department_code for s in await seals_of(session, licence.id)]
    if actor.department in present:
        raise AlreadySealed(f"{actor.department} has already sealed licence {licence.id}")
    department = await _department(session, actor.department)
    sealer = await ensure_issuer(session, ctx, department)
    now = utcnow()
    await _seal(session, ctx, licence, sealer, actor, now)
    present.append(actor.department)
    missing = [code for code in licence.seals_required if code not in present]
    if missing:
        _record(
            session,
            licence,
            "sealed",
            PENDING,
            actor,
            f"sealed by {actor.department}; waiting for {', '.join(missing)}",
            now,
        )
        await ctx.emit(session, events.seal_added(licence, actor.department, present), licence.id)
        return licence
    _record(session, licence, "sealed", PENDING, actor, f"sealed by {actor.department}", now)
    await ctx.emit(session, events.seal_added(licence, actor.department, present), licence.id)
    await _activate(session, ctx, licence, previous, actor, now)
    return licence


async def _activate(
    session: AsyncSession,
    ctx: IssuanceContext,
    licence: Licence,
    previous: Licence | None,
    actor: Actor,
    now: datetime,
) -> None:
    """Every seal is present: the licence becomes valid, or, as an amendment, takes over
    from its predecessor (keeping a suspension)."""
    licence.issued_at = now
    licence.updated_at = now
    if previous is None:
        licence.status = VALID.value
        _record(session, licence, "activated", PENDING, actor, "every required seal present", now)
        await ctx.emit(session, events.issued(licence, now), licence.id)
    else:
        amendment = await session.scalar(
            sa.select(HistoryEntry)
            .where(HistoryEntry.licence_id == licence.id, HistoryEntry.action == "amended")
            .order_by(HistoryEntry.id)
            .limit(1)
        )
        changed = list((amendment.details if amendment else {}).get("changed_fields", []))
        reason = amendment.reason if amendment else "amended"
        dispute_id = amendment.dispute_id if amendment else None
        licence.status = (SUSPENDED if previous.status == SUSPENDED.value else VALID).value
        _record(session, licence, "activated", PENDING, actor, "every required seal present", now)
        _supersede(session, previous, licence, actor, now, dispute_id)
        await ctx.emit(session, events.amended(licence, changed, reason, dispute_id), licence.id)
    await mark_changed(session, licence.issuer_code)


def _supersede(
    session: AsyncSession,
    previous: Licence,
    successor: Licence,
    actor: Actor,
    now: datetime,
    dispute_id: str | None,
) -> None:
    before = LicenceStatus(previous.status)
    previous.status = LicenceStatus.SUPERSEDED.value
    previous.superseded_by = successor.id
    previous.updated_at = now
    _record(
        session,
        previous,
        "superseded",
        before,
        actor,
        f"replaced by version {successor.version:03d}",
        now,
        dispute_id=dispute_id,
        details={"superseded_by": successor.id},
    )


# -- amending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Amendment:
    fields: Mapping[str, Any]
    reason: str
    valid_from: date | None = None
    valid_until: date | None = None
    set_valid_until: bool = False
    dispute_id: str | None = None


async def amend(
    session: AsyncSession,
    ctx: IssuanceContext,
    actor: Actor,
    licence_id: str,
    change: Amendment,
    *,
    location: str = "body",
    enforce_owner: bool = True,
) -> Licence:
    """Issue the next version with ``change`` applied; the current one is superseded as
    soon as the new version has every seal (at once, unless the type is jointly sealed)."""
    old = await _lock(session, licence_id)
    if enforce_owner:
        check_owner(old, actor)
    if old.status not in (VALID.value, SUSPENDED.value):
        raise IllegalTransition(
            f"licence {old.id} is {old.status}: only a valid or suspended licence is amended",
            current_status=old.status,
        )
    waiting = await session.scalar(sa.select(Licence.id).where(Licence.previous_id == old.id))
    if waiting is not None:
        raise IllegalTransition(
            f"version {waiting} of licence {old.id} is already waiting for seals",
            current_status=old.status,
            pending_licence_id=waiting,
        )
    licence_type = await readmodel.licence_type(session, old.type_code)
    if licence_type is None:
        raise Conflict(f"licence type {old.type_code} is no longer in the catalog read model")
    current = user_fields(old.document["fields"])
    values, errors = check_fields(licence_type, {**current, **change.fields}, f"{location}.fields")
    valid_from = change.valid_from or old.valid_from
    valid_until = change.valid_until if change.set_valid_until else old.valid_until
    today = ctx.settings.today()
    errors += date_errors(valid_from, valid_until, today, location)
    if errors:
        raise invalid(errors)
    changed = sorted(k for k in set(values) | set(current) if values.get(k) != current.get(k))
    if valid_from != old.valid_from:
        changed.append("valid_from")
    if valid_until != old.valid_until:
        changed.append("valid_until")
    if not changed:
        raise invalid(
            [FieldError(f"{location}.fields", "the amendment changes nothing", "no_change")]
        )

    issuer = await lock_issuer(session, old.issuer_code)
    assert issuer is not None
    required = await required_seals(session, ctx, licence_type, old.department_code)
    department = await readmodel.department(session, old.department_code)
    issuer_view = DepartmentView(
        code=old.department_code,
        name=department.name if department else old.document["issuer"]["name"],
        issuer_code=CreditCode(issuer.issuer_code),
    )
    new_id = LicenceId(old.id).next_version()
    holder = HolderCode(old.holder)
    document = build_document(
        licence_id=new_id,
        licence_no=old.licence_no,
        version=new_id.version,
        type_code=licence_type.code,
        type_name=licence_type.name,
        issuer_code=issuer.issuer_code,
        issuer_name=issuer_view.name,
        department=old.department_code,
        holder=holder,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_on=today,
        fields={
            **system_fields(
                licence_type,
                licence_no=old.licence_no,
                issuer=issuer_view,
                issuer_code=issuer.issuer_code,
                issued_on=today,
                holder=holder,
                valid_from=valid_from,
                valid_until=valid_until,
            ),
            **values,
        },
        seals=required,
        previous=old.id,
    )
    sealer = Actor(old.department_code, actor.operator)
    new = await _create(
        session,
        ctx,
        issuer,
        sealer,
        licence_id=new_id,
        licence_no=old.licence_no,
        serial=old.serial,
        version=new_id.version,
        type_code=old.type_code,
        holder=holder,
        valid_from=valid_from,
        valid_until=valid_until,
        document=document,
        required=required,
        previous=old.id,
    )
    now = new.created_at
    if new.status == VALID.value:
        new.status = old.status  # a suspended licence stays suspended
    _record(
        session,
        new,
        "amended",
        None,
        actor,
        change.reason,
        now,
        dispute_id=change.dispute_id,
        details={"changed_fields": changed, "previous": old.id},
    )
    if new.status == PENDING.value:
        await ctx.emit(
            session, events.seal_added(new, sealer.department, [sealer.department]), new.id
        )
    else:
        _supersede(session, old, new, actor, now, change.dispute_id)
        await ctx.emit(
            session, events.amended(new, changed, change.reason, change.dispute_id), new.id
        )
    return new


# -- status changes -----------------------------------------------------------------------


async def change_status(
    session: AsyncSession,
    ctx: IssuanceContext,
    actor: Actor,
    licence_id: str,
    action: str,
    reason: str,
    *,
    revocation: RevocationKind | None = None,
    enforce_owner: bool = True,
) -> Licence:
    """Suspend, reinstate, revoke, cancel or expire a licence (409 naming its current
    status when the change is not allowed from it)."""
    transition = TRANSITIONS[action]
    licence = await _lock(session, licence_id)
    if enforce_owner:
        check_owner(licence, actor)
    before = LicenceStatus(licence.status)
    if before not in transition.allowed_from:
        allowed = ", ".join(sorted(s.value for s in transition.allowed_from))
        raise IllegalTransition(
            f"cannot {action} licence {licence.id}: it is {before.value} "
            f"({action} applies to: {allowed})",
            current_status=before.value,
        )
    now = utcnow()
    licence.status = transition.to.value
    licence.updated_at = now
    if revocation is not None:
        licence.revocation = revocation.value
    _record(
        session,
        licence,
        PAST_TENSE[action],
        before,
        actor,
        reason,
        now,
        details={"revocation": revocation.value} if revocation else None,
    )
    extra: dict[str, Any] = {"revocation": revocation} if transition.event is LicenceRevoked else {}
    await ctx.emit(
        session,
        transition.event(
            **events.facts(licence),
            previous_status=before,
            reason=reason,
            actor=str(actor),
            changed_at=now,
            **extra,
        ),
        licence.id,
    )
    await mark_changed(session, licence.issuer_code)
    if transition.to in (LicenceStatus.REVOKED, LicenceStatus.CANCELLED):
        waiting = await session.scalar(
            sa.select(Licence.id).where(
                Licence.previous_id == licence.id, Licence.status == PENDING.value
            )
        )
        if waiting is not None:
            await change_status(
                session,
                ctx,
                actor,
                waiting,
                "cancel",
                f"its predecessor {licence.id} was {PAST_TENSE[action]}: {reason}",
                enforce_owner=False,
            )
    return licence


async def expire_due(ctx: IssuanceContext, today: date | None = None, batch: int = 200) -> int:
    """Mark every valid or suspended licence whose ``valid_until`` is before ``today`` as
    expired (``certificate.licence.expired``); returns how many."""
    today = today or ctx.settings.today()
    total = 0
    while True:
        async with ctx.database.transaction() as session:
            due = list(
                await session.scalars(
                    sa.select(Licence.id)
                    .where(
                        Licence.status.in_([VALID.value, SUSPENDED.value]),
                        Licence.valid_until < today,
                    )
                    .order_by(Licence.valid_until, Licence.id)
                    .limit(batch)
                )
            )
            for licence_id in due:
                licence = await get(session, licence_id)
                assert licence.valid_until is not None
                try:
                    await change_status(
                        session,
                        ctx,
                        SYSTEM,
                        licence_id,
                        "expire",
                        f"valid until {licence.valid_until.isoformat()}",
                        enforce_owner=False,
                    )
                except IllegalTransition:
                    continue  # changed since it was selected (e.g. revoked meanwhile)
        total += len(due)
        if len(due) < batch:
            return total
