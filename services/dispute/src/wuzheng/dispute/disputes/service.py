"""The rules of a dispute's life: filing and routing, the workflow, its SLA clocks.

States: submitted → accepted → processing → resolved (with a correction) | rejected (with a
reason) | withdrawn (by the filer). Rejecting and withdrawing are possible from every open
state; every step records actor, time and note in ``dispute_history``.

SLA clocks start at filing: accept within the department's ``accept_days`` working days,
decide (resolve or reject) within ``resolve_days`` — both taken from the department's
policy when the dispute is filed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.auth import Caller
from wuzheng.contracts import HolderCode, new_event_id
from wuzheng.contracts.events.dispute import (
    DisputeClosed,
    DisputeEscalated,
    DisputeOpened,
    DisputeOutcome,
    DisputeResolved,
)
from wuzheng.dispute.auth import FILE, HANDLE
from wuzheng.dispute.context import DisputeContext
from wuzheng.dispute.disputes import repository
from wuzheng.dispute.disputes.schemas import (
    OPEN_STATES,
    AcceptIn,
    Action,
    ActorOut,
    CorrectionOut,
    DisputeIn,
    DisputeOut,
    DisputePage,
    EvidenceOut,
    EvidenceRef,
    FiledAs,
    HistoryEntry,
    ItemTarget,
    Kind,
    LicenceTarget,
    NoteIn,
    RejectIn,
    ResolveIn,
    SlaOut,
    State,
    TargetOut,
)
from wuzheng.dispute.errors import (
    DisputeAlreadyOpen,
    FieldError,
    IllegalTransition,
    LicenceSuperseded,
    NotFound,
    NotHoldersLicence,
    NotResponsible,
    invalid,
)
from wuzheng.dispute.events import emit
from wuzheng.dispute.models import (
    CatalogItem,
    CatalogLicenceType,
    Dispute,
    DisputeHistory,
    KnownLicence,
)
from wuzheng.dispute.settings import DisputeSettings
from wuzheng.dispute.sla.service import effective_sla
from wuzheng.service.metrics import DISPUTE_SLA_BREACHES, domain_counter

logger = logging.getLogger("wuzheng.dispute")
SLA_BREACHES = domain_counter(DISPUTE_SLA_BREACHES)

TRANSITIONS: dict[Action, tuple[frozenset[State], State]] = {
    Action.ACCEPT: (frozenset({State.SUBMITTED}), State.ACCEPTED),
    Action.PROCESS: (frozenset({State.ACCEPTED}), State.PROCESSING),
    Action.RESOLVE: (frozenset({State.PROCESSING}), State.RESOLVED),
    Action.REJECT: (OPEN_STATES, State.REJECTED),
    Action.WITHDRAW: (OPEN_STATES, State.WITHDRAWN),
}
HANDLER_ACTIONS = (Action.ACCEPT, Action.PROCESS, Action.RESOLVE, Action.REJECT)
OUTCOMES = {
    State.RESOLVED: DisputeOutcome.RESOLVED,
    State.REJECTED: DisputeOutcome.REJECTED,
    State.WITHDRAWN: DisputeOutcome.WITHDRAWN,
}


def actions_from(state: State) -> list[Action]:
    return [action for action, (sources, _) in TRANSITIONS.items() if state in sources]


# -- who is looking ---------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """A caller, with the holder context the 爱山东 backend or a counter passed (if any)."""

    caller: Caller
    holder_digest: str | None = None

    def is_staff_of(self, dispute: Dispute) -> bool:
        return self.caller.has(HANDLE) and self.caller.department_code == dispute.department

    def is_holder_of(self, dispute: Dispute) -> bool:
        return (
            self.caller.has(FILE)
            and self.holder_digest is not None
            and self.holder_digest == dispute.holder_digest
        )

    def is_filer_of(self, dispute: Dispute) -> bool:
        """An operator's dispute also belongs to the department that filed it."""
        return (
            self.caller.has(FILE)
            and dispute.filed_as == FiledAs.OPERATOR
            and self.caller.department_code is not None
            and self.caller.department_code == dispute.filed_by_department
        )

    def may_withdraw(self, dispute: Dispute) -> bool:
        return self.is_holder_of(dispute) or self.is_filer_of(dispute)

    def may_see(self, dispute: Dispute) -> bool:
        return self.is_staff_of(dispute) or self.may_withdraw(dispute)

    def allowed_actions(self, dispute: Dispute) -> list[Action]:
        possible = actions_from(State(dispute.state))
        allowed = []
        if self.is_staff_of(dispute):
            allowed += [a for a in possible if a in HANDLER_ACTIONS]
        if self.may_withdraw(dispute) and Action.WITHDRAW in possible:
            allowed.append(Action.WITHDRAW)
        return allowed


def viewer(context: DisputeContext, caller: Caller, holder: HolderCode | None) -> Viewer:
    return Viewer(caller, context.holder_digest(holder) if holder is not None else None)


# -- filing -----------------------------------------------------------------------------


def check_evidence(refs: Sequence[EvidenceRef], settings: DisputeSettings) -> list[FieldError]:
    """Evidence is only referenced: an allowed scheme, no credentials, an allowed type and
    a declared size within the limit."""
    errors = []
    for index, ref in enumerate(refs):
        where = f"body.evidence.{index}"
        if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in ref.uri):
            errors.append(
                FieldError(f"{where}.uri", "must not contain spaces or control characters", "uri")
            )
            continue
        try:
            parts = urlsplit(ref.uri)
            port_ok = parts.port is None or parts.port > 0
        except ValueError as exc:
            errors.append(FieldError(f"{where}.uri", f"not a URI: {exc}", "uri"))
            continue
        scheme = parts.scheme.lower()
        if scheme not in settings.evidence_schemes:
            allowed = ", ".join(settings.evidence_schemes)
            errors.append(
                FieldError(
                    f"{where}.uri",
                    f"scheme {scheme or '(none)'!r} is not allowed (allowed: {allowed})",
                    "uri_scheme",
                )
            )
        elif scheme in ("http", "https") and not (parts.hostname and port_ok):
            errors.append(FieldError(f"{where}.uri", "needs a host", "uri"))
        if parts.username is not None or parts.password is not None:
            errors.append(FieldError(f"{where}.uri", "must not carry credentials", "uri"))
        media_type = ref.media_type.strip().lower()
        if media_type not in settings.evidence_media_types:
            allowed = ", ".join(settings.evidence_media_types)
            errors.append(
                FieldError(
                    f"{where}.media_type",
                    f"{media_type!r} is not allowed (allowed: {allowed})",
                    "media_type",
                )
            )
        if ref.size_bytes > settings.evidence_max_bytes:
            errors.append(
                FieldError(
                    f"{where}.size_bytes",
                    f"{ref.size_bytes} bytes is over the limit of {settings.evidence_max_bytes}",
                    "too_large",
                )
            )
    return errors


@dataclass(frozen=True)
class _Routed:
    kind: Kind
    department: str
    target_ref: str
    licence: KnownLicence | None = None
    item_seq_no: int | None = None
    licence_type_code: str | None = None


async def _licence_fields(session: AsyncSession, type_code: str) -> list[str] | None:
    """The licence type's field keys, when the catalogue told us about the type."""
    row = await session.get(CatalogLicenceType, type_code)
    return list(row.fields) if row is not None and row.fields else None


async def _refuse_if_open(session: AsyncSession, target_ref: str, field: str) -> None:
    """:class:`DisputeAlreadyOpen` (409, naming it) if ``field`` of the licence
    ``target_ref`` (a licence dispute's target is its licence id) has an open dispute."""
    open_one = await repository.open_dispute_on(session, target_ref, field)
    if open_one is not None:
        raise DisputeAlreadyOpen(
            f"dispute {open_one.id} about {field} of this licence is still open",
            dispute_id=open_one.id,
        )


async def _insert(session: AsyncSession, dispute: Dispute) -> None:
    """Insert ``dispute``; a filing about the same licence field that committed since
    :func:`_route` looked is refused as if it had been seen there (the unique index on open
    licence disputes stops the insert; the savepoint keeps the transaction usable)."""
    try:
        async with session.begin_nested():
            session.add(dispute)
    except IntegrityError:
        if dispute.licence_id is not None:
            await _refuse_if_open(session, dispute.target_ref, dispute.field)
        raise


async def _route(
    session: AsyncSession, context: DisputeContext, body: DisputeIn, holder_digest: str | None
) -> _Routed:
    target = body.target
    if isinstance(target, LicenceTarget):
        licence_id = str(target.licence_id)
        licence = await session.get(KnownLicence, licence_id)
        if licence is None:
            raise NotFound(f"no licence {licence_id} is known")
        if holder_digest is not None and holder_digest != licence.holder_digest:
            raise NotHoldersLicence(f"licence {licence_id} is not the holder's")
        if licence.superseded_by is not None:
            raise LicenceSuperseded(
                f"licence {licence_id} was replaced by {licence.superseded_by}: "
                "dispute the current version",
                current_licence_id=licence.superseded_by,
            )
        fields = await _licence_fields(session, licence.type_code)
        if fields is not None and target.field not in fields:
            raise invalid(
                [
                    FieldError(
                        "body.target.field",
                        f"licence type {licence.type_code} has no field {target.field!r}",
                        "unknown_field",
                    )
                ]
            )
        await _refuse_if_open(session, licence_id, target.field)
        return _Routed(Kind.LICENCE, licence.department, licence_id, licence=licence)
    if isinstance(target, ItemTarget):
        item = await session.get(CatalogItem, target.item_seq_no)
        if item is None:
            raise NotFound(f"no service item {target.item_seq_no} is known")
        return _Routed(Kind.ITEM, item.department, f"item:{item.seq_no}", item_seq_no=item.seq_no)
    code = str(target.code)
    licence_type = await session.get(CatalogLicenceType, code)
    if licence_type is None:
        raise NotFound(f"no licence type {code} is known")
    if licence_type.department is None:
        raise NotFound(f"licence type {code} has no issuing department to route to")
    return _Routed(
        Kind.LICENCE_TYPE, licence_type.department, f"licence_type:{code}", licence_type_code=code
    )


async def file(
    session: AsyncSession, context: DisputeContext, caller: Caller, body: DisputeIn
) -> Dispute:
    """File a dispute and route it to the responsible department; start its SLA clocks."""
    errors = check_evidence(body.evidence, context.settings)
    if body.holder is None and body.filed_as in (FiledAs.HOLDER, FiledAs.COUNTER):
        errors.append(
            FieldError("body.holder", f"required when filed as {body.filed_as.value}", "missing")
        )
    if errors:
        raise invalid(errors)
    holder_digest = context.holder_digest(body.holder) if body.holder is not None else None
    routed = await _route(session, context, body, holder_digest)
    licence = routed.licence
    if licence is not None and holder_digest is None:
        holder_digest = licence.holder_digest  # an operator's dispute still is the holder's

    now = context.clock.now()
    calendar = context.calendar
    sla = await effective_sla(session, context, routed.department)
    dispute = Dispute(
        id=new_event_id(),
        kind=routed.kind.value,
        state=State.SUBMITTED.value,
        department=routed.department,
        target_ref=routed.target_ref,
        licence_id=licence.licence_id if licence else None,
        issuer_code=licence.issuer_code if licence else None,
        licence_type_code=licence.type_code if licence else routed.licence_type_code,
        item_seq_no=routed.item_seq_no,
        field=body.target.field,
        claimed_value=body.claimed_value,
        description=body.description,
        evidence=[ref.model_dump(exclude_none=True) for ref in body.evidence],
        holder_digest=holder_digest,
        holder_masked=body.holder.masked() if body.holder is not None else None,
        filed_as=body.filed_as.value,
        channel=body.channel.value,
        filed_by_department=caller.department_code,
        filed_by_operator=caller.operator_id,
        filed_at=now,
        filed_day=calendar.local_day(now),
        accept_due_at=calendar.add_working_days(now, sla.accept_days),
        resolve_due_at=calendar.add_working_days(now, sla.resolve_days),
    )
    await _insert(session, dispute)
    repository.add_history(
        session,
        dispute,
        at=now,
        kind="transition",
        action="file",
        to_state=State.SUBMITTED.value,
        actor_department=caller.department_code,
        actor_operator=caller.operator_id,
        note=body.description,
        details={
            "channel": body.channel.value,
            "filed_as": body.filed_as.value,
            "sla": {"accept_days": sla.accept_days, "resolve_days": sla.resolve_days},
        },
    )
    await emit(
        session,
        context.outbox,
        DisputeOpened(
            dispute_id=dispute.id,
            department=dispute.department,
            licence_id=dispute.licence_id,
            catalog_ref=None if licence else dispute.target_ref,
            holder=body.holder,
            field=dispute.field,
            opened_at=now,
        ),
        dispute.id,
    )
    await session.flush()
    logger.info(
        "dispute %s filed about %s (%s) for %s",
        dispute.id,
        dispute.target_ref,
        dispute.field,
        dispute.department,
    )
    return dispute


# -- reading ----------------------------------------------------------------------------


async def visible(session: AsyncSession, who: Viewer, dispute_id: str) -> Dispute:
    dispute = await repository.get(session, dispute_id)
    if dispute is None:
        raise NotFound(f"no dispute {dispute_id}")
    if who.may_see(dispute):
        return dispute
    if who.caller.has(HANDLE) and who.holder_digest is None:
        raise NotResponsible(f"dispute {dispute_id} is handled by {dispute.department}")
    raise NotFound(f"no dispute {dispute_id}")  # a holder never learns of others' disputes


async def list_disputes(
    session: AsyncSession,
    context: DisputeContext,
    who: Viewer,
    *,
    state: State | None,
    kind: Kind | None,
    overdue: bool | None,
    limit: int,
    offset: int,
) -> DisputePage:
    filters: list[sa.ColumnElement[bool]] = []
    if who.holder_digest is not None:
        filters.append(Dispute.holder_digest == who.holder_digest)
    else:
        filters.append(Dispute.department == (who.caller.department_code or ""))
    if state is not None:
        filters.append(Dispute.state == state.value)
    if kind is not None:
        filters.append(Dispute.kind == kind.value)
    now = context.clock.now()
    if overdue is not None:
        condition = repository.overdue_condition(now)
        filters.append(condition if overdue else sa.not_(condition))
    total, rows = await repository.page(session, filters=filters, limit=limit, offset=offset)
    told = await repository.told(session, [row.id for row in rows])
    return DisputePage(
        total=total,
        limit=limit,
        offset=offset,
        items=[render(row, who, now, told=told.get(row.id, [])) for row in rows],
    )


async def detail(
    session: AsyncSession, context: DisputeContext, who: Viewer, dispute: Dispute
) -> DisputeOut:
    told = await repository.told(session, [dispute.id])
    history = await repository.history(session, dispute.id)
    return render(dispute, who, context.clock.now(), told=told.get(dispute.id, []), history=history)


def overdue_clocks(dispute: Dispute, now: dt.datetime) -> list[str]:
    if dispute.state not in OPEN_STATES:
        return []
    clocks = []
    if dispute.state == State.SUBMITTED and dispute.accept_due_at < now:
        clocks.append("accept")
    if dispute.resolve_due_at < now:
        clocks.append("resolve")
    return clocks


def render(
    dispute: Dispute,
    who: Viewer,
    now: dt.datetime,
    *,
    told: Sequence[str] = (),
    history: Sequence[Any] | None = None,
) -> DisputeOut:
    correction = None
    if dispute.corrections is not None or dispute.correction_status is not None:
        correction = CorrectionOut(
            status=dispute.correction_status,
            corrections=dispute.corrections,
            new_licence_id=dispute.new_licence_id,
            amended_at=dispute.amended_at,
            propagated_at=dispute.propagated_at,
            departments_told=list(told),
        )
    return DisputeOut.model_validate(
        {
            "id": dispute.id,
            "state": dispute.state,
            "target": TargetOut(
                kind=Kind(dispute.kind),
                ref=dispute.target_ref,
                licence_id=dispute.licence_id,
                item_seq_no=dispute.item_seq_no,
                licence_type_code=dispute.licence_type_code,
            ),
            "field": dispute.field,
            "claimed_value": dispute.claimed_value,
            "description": dispute.description,
            "evidence": [EvidenceOut.model_validate(ref) for ref in dispute.evidence],
            "department": dispute.department,
            "holder": dispute.holder_masked,
            "filed_as": dispute.filed_as,
            "channel": dispute.channel,
            "filed_by": ActorOut(
                department=dispute.filed_by_department, operator=dispute.filed_by_operator
            ),
            "filed_at": dispute.filed_at,
            "assignee": dispute.assignee,
            "accepted_at": dispute.accepted_at,
            "processing_at": dispute.processing_at,
            "closed_at": dispute.closed_at,
            "sla": SlaOut.model_validate(
                {
                    "accept_due_at": dispute.accept_due_at,
                    "resolve_due_at": dispute.resolve_due_at,
                    "accepted_on_time": dispute.accepted_on_time,
                    "decided_on_time": dispute.decided_on_time,
                    "overdue": overdue_clocks(dispute, now),
                    "accept_escalated_at": dispute.accept_escalated_at,
                    "resolve_escalated_at": dispute.resolve_escalated_at,
                }
            ),
            "resolution_note": dispute.resolution_note,
            "correction": correction,
            "allowed_actions": who.allowed_actions(dispute),
            "history": None
            if history is None
            else [
                HistoryEntry.model_validate(
                    {
                        "at": entry.at,
                        "kind": entry.kind,
                        "action": entry.action,
                        "from_state": entry.from_state,
                        "to_state": entry.to_state,
                        "actor": ActorOut(
                            department=entry.actor_department, operator=entry.actor_operator
                        ),
                        "note": entry.note,
                        "details": entry.details,
                    }
                )
                for entry in history
            ],
        }
    )


# -- the workflow -----------------------------------------------------------------------


async def _for_step(session: AsyncSession, who: Viewer, dispute_id: str, action: Action) -> Dispute:
    dispute = await repository.get(session, dispute_id, for_update=True)
    if dispute is None:
        raise NotFound(f"no dispute {dispute_id}")
    if action is Action.WITHDRAW:
        if not who.may_withdraw(dispute):
            if who.is_staff_of(dispute):
                raise NotResponsible("only the filer withdraws a dispute; reject it instead")
            raise NotFound(f"no dispute {dispute_id}")
    elif not who.is_staff_of(dispute):
        raise NotResponsible(
            f"dispute {dispute_id} is handled by {dispute.department}, "
            f"not {who.caller.department_code or 'a caller without a department'}"
        )
    sources, _ = TRANSITIONS[action]
    state = State(dispute.state)
    if state not in sources:
        allowed = [a.value for a in actions_from(state)]
        raise IllegalTransition(
            f"dispute {dispute_id} is {state.value}: cannot {action.value}"
            + (f" (possible: {', '.join(allowed)})" if allowed else " (it is closed)"),
            current_state=state.value,
            action=action.value,
            allowed_actions=allowed,
        )
    return dispute


def _record(
    session: AsyncSession,
    dispute: Dispute,
    who: Viewer,
    action: Action,
    to_state: State,
    now: dt.datetime,
    note: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    repository.add_history(
        session,
        dispute,
        at=now,
        kind="transition",
        action=action.value,
        from_state=dispute.state,
        to_state=to_state.value,
        actor_department=who.caller.department_code,
        actor_operator=who.caller.operator_id,
        note=note,
        details=details,
    )
    dispute.state = to_state.value


async def accept(
    session: AsyncSession, context: DisputeContext, who: Viewer, dispute_id: str, body: AcceptIn
) -> Dispute:
    dispute = await _for_step(session, who, dispute_id, Action.ACCEPT)
    now = context.clock.now()
    dispute.assignee = body.assignee or who.caller.operator_id
    dispute.accepted_at = now
    dispute.accept_seconds = (now - dispute.filed_at).total_seconds()
    dispute.accept_working_seconds = context.calendar.working_time_between(
        dispute.filed_at, now
    ).total_seconds()
    dispute.accepted_on_time = now <= dispute.accept_due_at
    _record(
        session,
        dispute,
        who,
        Action.ACCEPT,
        State.ACCEPTED,
        now,
        body.note,
        {"assignee": dispute.assignee},
    )
    await session.flush()
    return dispute


async def process(
    session: AsyncSession, context: DisputeContext, who: Viewer, dispute_id: str, body: NoteIn
) -> Dispute:
    dispute = await _for_step(session, who, dispute_id, Action.PROCESS)
    now = context.clock.now()
    dispute.processing_at = now
    _record(session, dispute, who, Action.PROCESS, State.PROCESSING, now, body.note)
    await session.flush()
    return dispute


def _close(context: DisputeContext, dispute: Dispute, now: dt.datetime, *, decided: bool) -> None:
    dispute.closed_at = now
    dispute.closed_day = context.calendar.local_day(now)
    if decided:
        dispute.decide_seconds = (now - dispute.filed_at).total_seconds()
        dispute.decide_working_seconds = context.calendar.working_time_between(
            dispute.filed_at, now
        ).total_seconds()
        dispute.decided_on_time = now <= dispute.resolve_due_at


async def _closed_event(
    session: AsyncSession, context: DisputeContext, dispute: Dispute, now: dt.datetime
) -> None:
    await emit(
        session,
        context.outbox,
        DisputeClosed(
            dispute_id=dispute.id,
            licence_id=dispute.licence_id,
            outcome=OUTCOMES[State(dispute.state)],
            closed_at=now,
        ),
        dispute.id,
    )


async def _current_version(session: AsyncSession, licence_id: str) -> KnownLicence | None:
    """The licence now in force in ``licence_id``'s line (following amendments)."""
    licence = await session.get(KnownLicence, licence_id)
    for _ in range(1000):
        if licence is None or licence.superseded_by is None:
            return licence
        licence = await session.get(KnownLicence, licence.superseded_by)
    return licence


async def resolve(
    session: AsyncSession, context: DisputeContext, who: Viewer, dispute_id: str, body: ResolveIn
) -> Dispute:
    """Resolve with a correction. For a licence, ``dispute.case.resolved`` asks its issuer to
    amend it; the dispute closes (``dispute.case.closed``) once the amended version is
    recorded and the correction propagated. A catalog entry's dispute closes at once (the
    department corrects the catalogue through the catalog service)."""
    dispute = await _for_step(session, who, dispute_id, Action.RESOLVE)
    now = context.clock.now()
    if dispute.kind == Kind.LICENCE:
        assert dispute.licence_id is not None
        assert dispute.issuer_code is not None
        errors = []
        if not body.corrections:
            errors.append(
                FieldError(
                    "body.corrections",
                    "a licence dispute is resolved with at least one correction "
                    "(reject it otherwise)",
                    "missing",
                )
            )
        fields = await _licence_fields(session, dispute.licence_type_code or "")
        if fields is not None:
            errors += [
                FieldError(
                    f"body.corrections.{key}",
                    f"licence type {dispute.licence_type_code} has no field {key!r}",
                    "unknown_field",
                )
                for key in body.corrections
                if key not in fields
            ]
        if errors:
            raise invalid(errors)
        current = await _current_version(session, dispute.licence_id)
        to_amend = current.licence_id if current is not None else dispute.licence_id
        dispute.corrections = dict(body.corrections)
        dispute.correction_status = "pending"
        dispute.resolution_note = body.note
        _close(context, dispute, now, decided=True)
        _record(
            session,
            dispute,
            who,
            Action.RESOLVE,
            State.RESOLVED,
            now,
            body.note,
            {"corrections": dispute.corrections, "licence_to_amend": to_amend},
        )
        await emit(
            session,
            context.outbox,
            DisputeResolved(
                dispute_id=dispute.id,
                licence_id=to_amend,
                issuer_code=dispute.issuer_code,
                department=dispute.department,
                corrections=dispute.corrections,
                note=body.note,
                resolved_at=now,
            ),
            dispute.id,
        )
    else:
        dispute.corrections = dict(body.corrections) or None
        dispute.resolution_note = body.note
        _close(context, dispute, now, decided=True)
        _record(
            session,
            dispute,
            who,
            Action.RESOLVE,
            State.RESOLVED,
            now,
            body.note,
            {"corrections": dispute.corrections},
        )
        await _closed_event(session, context, dispute, now)
    await session.flush()
    return dispute


async def reject(
    session: AsyncSession, context: DisputeContext, who: Viewer, dispute_id: str, body: RejectIn
) -> Dispute:
    dispute = await _for_step(session, who, dispute_id, Action.REJECT)
    now = context.clock.now()
    dispute.resolution_note = body.reason
    _close(context, dispute, now, decided=True)
    _record(session, dispute, who, Action.REJECT, State.REJECTED, now, body.reason)
    await _closed_event(session, context, dispute, now)
    await session.flush()
    return dispute


async def withdraw(
    session: AsyncSession, context: DisputeContext, who: Viewer, dispute_id: str, body: NoteIn
) -> Dispute:
    dispute = await _for_step(session, who, dispute_id, Action.WITHDRAW)
    now = context.clock.now()
    _close(context, dispute, now, decided=False)
    _record(session, dispute, who, Action.WITHDRAW, State.WITHDRAWN, now, body.note)
    await _closed_event(session, context, dispute, now)
    await session.flush()
    return dispute


# -- overdue ----------------------------------------------------------------------------


async def escalate_overdue(
    session: AsyncSession, context: DisputeContext, now: dt.datetime, *, limit: int = 500
) -> list[tuple[str, str]]:
    """Emit ``dispute.case.escalated`` once per breached clock; returns (dispute, clock).

    The claim is a conditional update (``… WHERE <clock>_escalated_at IS NULL``), so two
    replicas running the check at once escalate each clock once.
    """
    escalated: list[tuple[str, str]] = []
    clocks = (
        (
            "accept",
            Dispute.accept_escalated_at,
            Dispute.accept_due_at,
            Dispute.state == State.SUBMITTED.value,
        ),
        (
            "resolve",
            Dispute.resolve_escalated_at,
            Dispute.resolve_due_at,
            Dispute.state.in_(sorted(OPEN_STATES)),
        ),
    )
    for clock, flag, due, in_state in clocks:
        candidates = await session.execute(
            sa.select(Dispute.id, Dispute.department, due, Dispute.state)
            .where(in_state, due < now, flag.is_(None))
            .order_by(due)
            .limit(limit)
        )
        for dispute_id, department, due_at, state in candidates.all():
            claimed = await session.execute(
                sa.update(Dispute)
                .where(Dispute.id == dispute_id, flag.is_(None), in_state)
                .values({flag.key: now})
                .execution_options(synchronize_session=False)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                continue
            session.add(_history_row(dispute_id, now, clock, due_at, state))
            await emit(
                session,
                context.outbox,
                DisputeEscalated(
                    dispute_id=dispute_id,
                    department=department,
                    clock=clock,
                    due_at=due_at,
                    escalated_at=now,
                ),
                dispute_id,
            )
            SLA_BREACHES.labels(department=department, clock=clock).inc()
            escalated.append((dispute_id, clock))
    if escalated:
        await session.flush()
        logger.warning("escalated %d overdue clock(s)", len(escalated))
    return escalated


def _history_row(
    dispute_id: str, now: dt.datetime, clock: str, due_at: dt.datetime, state: str
) -> DisputeHistory:
    return DisputeHistory(
        dispute_id=dispute_id,
        at=now,
        kind="escalation",
        action=f"{clock}_overdue",
        from_state=state,
        to_state=state,
        actor_department=None,
        actor_operator="system",
        note=f"the {clock} clock ran out at {due_at.isoformat()}",
        details={"clock": clock, "due_at": due_at.isoformat()},
    )
