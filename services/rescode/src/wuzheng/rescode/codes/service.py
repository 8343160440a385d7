"""Rules of codes: issuing (with rotation), resolving (once), and the live code behind the
image endpoints.

Resolving a code at the counter, in one transaction:

1. the caller's rate limit (:mod:`wuzheng.rescode.ratelimit`);
2. the code: a QR payload is verified (signature, key) and looked up by id, digits are
   checked (Luhn) and looked up by their HMAC; refused when unknown (``code-invalid``),
   used (``code-used``), replaced or past its lifetime (``code-expired``);
3. the item must be in the catalogue read model; a code shown by an agent needs its
   mandate to be active and to cover the item;
4. the code is marked used (a conditional UPDATE: of two concurrent scans one wins);
5. with an open consent of the holder for this department and item, the holder's current
   licences of the types the item's materials name, the consent grants (and the mandate
   allows) are returned; a one-case consent is used up (``consent.grant.consumed``);
   without one: identity only;
6. the scan is recorded in the holder's access log (``rescode.access.recorded``) and
   announced (``rescode.code.scanned``).

A refused attempt changes nothing (the transaction rolls back); a wrong, used or expired
code counts against the caller's failure bucket. When the refused code was found — used,
replaced or expired, or shown by an agent whose mandate does not cover the use — it names a
holder, and :class:`ScanRefused` carries the record of the attempt that the endpoint
appends to that holder's log once the scan's transaction has rolled back: a photographed
code tried again, or an agent acting beyond a mandate, is something the holder sees.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.auth import Caller
from wuzheng.contracts import Forbidden, HolderCode, InvalidInput, NotFound, ProblemError
from wuzheng.contracts.events.rescode import CodeScanned, ConsentScope
from wuzheng.messaging import Outbox
from wuzheng.rescode.access_log import service as access_log
from wuzheng.rescode.access_log.repository import Entry
from wuzheng.rescode.catalog_view import repository as catalog
from wuzheng.rescode.codes.models import Code
from wuzheng.rescode.codes.schemas import (
    ActingOut,
    BarcodeOut,
    CodeIn,
    CodeOut,
    ConsentUsed,
    QrOut,
    ResolveIn,
    ResolveOut,
)
from wuzheng.rescode.common import Relation, holder_out, shown
from wuzheng.rescode.consents import service as consents
from wuzheng.rescode.context import Rescode
from wuzheng.rescode.errors import CodeExpired, CodeInvalid, CodeUsed, MandateNotApplicable
from wuzheng.rescode.keys import QR_PREFIX, normalise_digits
from wuzheng.rescode.mandates import service as mandates
from wuzheng.rescode.mandates.models import Mandate
from wuzheng.rescode.wallet import repository as wallet
from wuzheng.rescode.wallet.service import licence_outs

FULL_IDENTITY_SCOPE = "evidence:request"
"""A resolving caller that also holds this scope (a 受理 system filing the case under the
applicant's ID number) sees the resident ID number in full; others see it masked."""


def _group(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def _acting(agent: HolderCode, principal: HolderCode, mandate: Mandate) -> ActingOut:
    relation = Relation(mandate.relation)
    return ActingOut(
        agent=holder_out(agent),
        relation=relation,
        relation_label=relation.label,
        mandate_id=mandate.id,
        statement=f"{shown(agent)} acting for {shown(principal)} ({relation.label})",
    )


def _presentations(code_id: str, payload: str, digits: str) -> tuple[QrOut, BarcodeOut]:
    base = f"/v1/codes/{code_id}"
    return (
        QrOut(payload=payload, svg=f"{base}/qr.svg", png=f"{base}/qr.png"),
        BarcodeOut(data=digits, svg=f"{base}/barcode.svg", png=f"{base}/barcode.png"),
    )


async def issue(session: AsyncSession, rescode: Rescode, caller: Caller, body: CodeIn) -> CodeOut:
    """A fresh code for the holder (or for the agent acting for it); every earlier live
    code of the same holder and agent stops resolving (codes rotate)."""
    now = rescode.now().replace(microsecond=0)
    holder, agent = body.holder, body.agent
    mandate: Mandate | None = None
    if agent is None:
        if not holder.is_person:
            raise InvalidInput(
                "an enterprise code (企业码) is shown by an authorised agent: give agent "
                "(and a company_staff mandate)",
                errors=[
                    {
                        "field": "body.agent",
                        "message": "required for an organisation",
                        "type": "missing",
                    }
                ],
            )
        if body.mandate_id is not None:
            raise InvalidInput(
                "mandate_id is given without an agent",
                errors=[{"field": "body.mandate_id", "message": "needs agent", "type": "code"}],
            )
    else:
        mandate = await mandates.active_mandate(
            session, rescode, principal=holder, agent=agent, mandate_id=body.mandate_id
        )
    vault = rescode.vault
    holder_hash, agent_hash = vault.hash(holder), vault.hash(agent) if agent else ""
    await session.execute(
        sa.update(Code)
        .where(
            Code.holder_hash == holder_hash,
            Code.agent_hash == agent_hash,
            Code.used_at.is_(None),
            Code.superseded_at.is_(None),
            Code.expires_at > now,
        )
        .values(superseded_at=now)
    )
    code_id, digits = await _fresh_id(session, rescode)
    expires_at = now + timedelta(seconds=rescode.settings.code_ttl_seconds)
    code = Code(
        id=code_id,
        holder_hash=holder_hash,
        holder_sealed=vault.seal(holder),
        agent_hash=agent_hash,
        agent_sealed=vault.seal(agent) if agent else None,
        mandate_id=mandate.id if mandate else None,
        digits_hash=vault.digits_hash(digits),
        issued_by=caller.department_code or caller.subject,
        issued_at=now,
        expires_at=expires_at,
    )
    session.add(code)
    await session.flush()
    payload = rescode.signer.sign(code_id, int(now.timestamp()), int(expires_at.timestamp()))
    qr, bar = _presentations(code_id, payload, digits)
    return CodeOut(
        code_id=code_id,
        holder=holder_out(holder),
        acting=_acting(agent, holder, mandate) if agent and mandate else None,
        issued_at=now,
        expires_at=expires_at,
        ttl_seconds=rescode.settings.code_ttl_seconds,
        qr=qr,
        digits=digits,
        digits_display=_group(digits),
        barcode=bar,
    )


async def _fresh_id(session: AsyncSession, rescode: Rescode) -> tuple[str, str]:
    """A new code id whose digits no stored code has (a clash is ~1e-11 per code)."""
    for _ in range(8):
        code_id = secrets.token_hex(16)
        digits = rescode.vault.digits_for(code_id)
        clash = await session.scalar(
            sa.select(Code.id).where(Code.digits_hash == rescode.vault.digits_hash(digits))
        )
        if clash is None:
            return code_id, digits
    raise RuntimeError("no free digit code in 8 draws: the codes table is not being purged")


class ScanRefused(Exception):
    """A scan of a found code, refused with ``problem``: ``entry`` is the attempt's record
    for ``holder``'s access log, to append after the scan's transaction rolled back."""

    def __init__(self, problem: ProblemError, holder: HolderCode, entry: Entry) -> None:
        super().__init__(str(problem))
        self.problem = problem
        self.holder = holder
        self.entry = entry


async def record_refusal(
    session: AsyncSession, outbox: Outbox, rescode: Rescode, refused: ScanRefused
) -> None:
    """Append a refused scan to the holder's log (and announce it), in ``session``."""
    await access_log.record(session, outbox, rescode.vault, refused.holder, refused.entry)


async def _refusal(
    session: AsyncSession,
    rescode: Rescode,
    code: Code,
    problem: ProblemError,
    department: str,
    operator: str | None,
    body: ResolveIn,
    now: datetime,
) -> ScanRefused:
    agent = rescode.vault.open(code.agent_sealed) if code.agent_sealed is not None else None
    mandate = await session.get(Mandate, code.mandate_id) if code.mandate_id else None
    entry = _scan_entry(code, body, department, operator, now, problem.slug, agent, mandate)
    return ScanRefused(problem, rescode.vault.open(code.holder_sealed), entry)


def _scan_entry(
    code: Code,
    body: ResolveIn,
    department: str,
    operator: str | None,
    now: datetime,
    result: str,
    agent: HolderCode | None,
    mandate: Mandate | None,
    licence_ids: tuple[str, ...] = (),
) -> Entry:
    """The holder's access-log record of a scan of ``code``, answered or refused."""
    return Entry(
        source="scan",
        department=department,
        purpose=body.purpose,
        result=result,
        at=now,
        operator_id=operator,
        item_seq_no=body.item_seq_no,
        reference=code.id,
        agent_masked=shown(agent) if agent else None,
        relation=mandate.relation if mandate else None,
        licence_ids=licence_ids,
    )


async def _find(session: AsyncSession, rescode: Rescode, text: str, now: datetime) -> Code:
    """The code ``text`` names, live or not, or the problem saying why there is none."""
    text = text.strip()
    if text.startswith(QR_PREFIX):
        claims = rescode.signer.verify(text)
        code = await session.get(Code, claims.code_id)
        if code is None:
            if claims.expires_at <= now.timestamp():
                raise CodeExpired("the code expired: ask the holder to refresh it")
            raise CodeInvalid("no such code")
        if int(code.issued_at.timestamp()) != claims.issued_at:
            raise CodeInvalid("the QR payload does not match the code it names")
    else:
        digits = normalise_digits(text)
        code = await session.scalar(
            sa.select(Code).where(Code.digits_hash == rescode.vault.digits_hash(digits))
        )
        if code is None:
            raise CodeInvalid("no code has these digits: mistyped, or never issued")
    return code


def _check_live(code: Code, now: datetime) -> None:
    """Refuse a found code that was used, replaced or has expired."""
    if code.used_at is not None:
        raise CodeUsed(f"the code was already resolved at {code.used_at.isoformat()}")
    if code.superseded_at is not None:
        raise CodeExpired("the code was replaced by a newer one: scan the code shown now")
    if code.expires_at <= now:
        raise CodeExpired("the code expired: ask the holder to refresh it")


def _operator(caller: Caller, body: ResolveIn) -> str | None:
    if caller.operator_id and body.operator_id and caller.operator_id != body.operator_id:
        raise InvalidInput(
            "operator_id differs from the operator the token names",
            errors=[
                {
                    "field": "body.operator_id",
                    "message": "differs from the token's operator",
                    "type": "operator",
                }
            ],
        )
    return caller.operator_id or body.operator_id


@dataclass(frozen=True)
class _Party:
    holder: HolderCode
    agent: HolderCode | None
    mandate: Mandate | None


async def _party(
    session: AsyncSession, rescode: Rescode, code: Code, item_seq_no: int, now: datetime
) -> _Party:
    holder = rescode.vault.open(code.holder_sealed)
    if code.agent_sealed is None or code.mandate_id is None:
        return _Party(holder, None, None)
    agent = rescode.vault.open(code.agent_sealed)
    mandate = await session.get(Mandate, code.mandate_id)
    if mandate is None or mandates.state_of(mandate, now) != "active":
        raise MandateNotApplicable(
            f"{shown(agent)} no longer holds an active mandate for {shown(holder)}"
        )
    if not mandates.covers_item(mandate, item_seq_no):
        raise MandateNotApplicable(
            f"the mandate of {shown(agent)} for {shown(holder)} does not cover item {item_seq_no}"
        )
    return _Party(holder, agent, mandate)


async def resolve(
    session: AsyncSession, outbox: Outbox, rescode: Rescode, caller: Caller, body: ResolveIn
) -> ResolveOut:
    department = caller.department_code
    if not department:
        raise Forbidden("resolving a code needs a department's token (claim dept)")
    operator = _operator(caller, body)
    bucket = f"{department}/{caller.subject}/{caller.operator_id or ''}"
    rescode.limiter.attempt(bucket)
    now = rescode.now()
    try:
        code = await _find(session, rescode, body.code, now)
    except (CodeInvalid, CodeExpired):
        rescode.limiter.failed(bucket)
        raise
    try:
        _check_live(code, now)
    except (CodeExpired, CodeUsed) as problem:
        rescode.limiter.failed(bucket)
        raise await _refusal(
            session, rescode, code, problem, department, operator, body, now
        ) from None
    item = await catalog.item(session, body.item_seq_no)
    if item is None:
        raise InvalidInput(
            f"unknown service item {body.item_seq_no}",
            errors=[
                {"field": "body.item_seq_no", "message": "not in the catalogue", "type": "item"}
            ],
        )
    try:
        party = await _party(session, rescode, code, body.item_seq_no, now)
    except MandateNotApplicable as problem:
        raise await _refusal(
            session, rescode, code, problem, department, operator, body, now
        ) from None
    # Every read first, then the writes: on SQLite the write lock is held for less time.
    consent = await consents.applicable(
        session, code.holder_hash, department, body.item_seq_no, now
    )
    types: list[str] = []
    licences = []
    if consent is not None:
        needed = await catalog.item_licence_types(session, body.item_seq_no)
        types = mandates.allowed_types(
            party.mandate, [t for t in needed if t in consent.licence_types]
        )
        if types:
            views = await wallet.licences(
                session, code.holder_hash, types=types, include_superseded=False
            )
            licences = await licence_outs(session, views)
        else:
            consent = None  # it would show nothing here: not used, a one-case one kept

    marked = await session.execute(
        sa.update(Code)
        .where(Code.id == code.id, Code.used_at.is_(None), Code.superseded_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(marked, "rowcount", 0) != 1:
        rescode.limiter.failed(bucket)
        lost = CodeUsed("the code was resolved by another scan just now")
        raise await _refusal(session, rescode, code, lost, department, operator, body, now)
    if consent is not None and not await consents.consume(
        session, outbox, consent, party.holder, by="scan", reference=code.id, now=now
    ):
        consent, types, licences = None, [], []  # another scan used it up just now

    entry = _scan_entry(
        code,
        body,
        department,
        operator,
        now,
        "consented" if consent is not None else "identity_only",
        party.agent,
        party.mandate,
        tuple(licence.licence_id for licence in licences),
    )
    scanned = CodeScanned(
        code_id=code.id,
        holder=party.holder,
        acting_holder=party.agent,
        caller_department=department,
        operator_id=operator,
        item_seq_no=body.item_seq_no,
        purpose=body.purpose,
        consented=consent is not None,
        scanned_at=now,
        mandate_id=party.mandate.id if party.mandate else None,
        consent_id=consent.id if consent is not None else None,
        licence_types=tuple(types),
    )
    record = await access_log.record(
        session, outbox, rescode.vault, party.holder, entry, (scanned, code.id)
    )
    return ResolveOut(
        code_id=code.id,
        holder=holder_out(party.holder, full=caller.has(FULL_IDENTITY_SCOPE)),
        acting=_acting(party.agent, party.holder, party.mandate)
        if party.agent and party.mandate
        else None,
        department=department,
        operator_id=operator,
        item_seq_no=body.item_seq_no,
        item_name=item.name,
        purpose=body.purpose,
        scanned_at=now,
        consented=consent is not None,
        consent=ConsentUsed(
            consent_id=consent.id,
            scope=ConsentScope(consent.scope),
            valid_until=consent.valid_until,
            consumed=consent.scope == ConsentScope.ONE_CASE.value,
        )
        if consent is not None
        else None,
        licence_types=types,
        licences=licences,
        access_record_id=record.id,
    )


@dataclass(frozen=True)
class LiveCode:
    payload: str
    digits: str


async def live(session: AsyncSession, rescode: Rescode, code_id: str) -> LiveCode:
    """What the image endpoints draw: only while the code can still be resolved."""
    code = await session.get(Code, code_id)
    if code is None:
        raise NotFound(f"no code {code_id}")
    if code.used_at is not None:
        raise CodeUsed("the code was already resolved")
    if code.superseded_at is not None or code.expires_at <= rescode.now():
        raise CodeExpired("the code expired or was replaced: issue a new one")
    payload = rescode.signer.sign(
        code.id, int(code.issued_at.timestamp()), int(code.expires_at.timestamp())
    )
    return LiveCode(payload=payload, digits=rescode.vault.digits_for(code.id))


async def purge(session: AsyncSession, older_than: datetime) -> int:
    """Delete codes that expired before ``older_than`` (their scans stay in the log)."""
    result = await session.execute(sa.delete(Code).where(Code.expires_at < older_than))
    return int(getattr(result, "rowcount", 0) or 0)
