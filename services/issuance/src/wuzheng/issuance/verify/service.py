"""The issuer's answer to an :class:`IssuerVerifyRequest`.

The licence is found by identifier (read leniently: a wrong check character still finds it
by its segments) or by 证照编号 + type code (the newest version). Outcomes, in order: not
found; ``holder_mismatch`` when the holder code the caller was shown is not the licence's
(nothing else is said then); else the licence's status — ``expired`` also when its
``valid_until`` passed before the expiry run caught up, ``superseded`` with the current
version's identifier. Fields are returned only for a valid licence, and only those the
request names that the type's schema has: nothing personal unless asked for by name.

The answer is an :class:`IssuerAnswer` signed by the issuer's active seal key as a compact
JWS (``typ`` ``wuzheng-verify-answer+jwt``), echoing the request's nonce, with the time of
the answer (``answered_at``, and ``iat`` for JWT libraries).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import (
    CreditCode,
    LicenceId,
    LicenceStatus,
    VerificationOutcome,
)
from wuzheng.contracts.verify import (
    ANSWER_JWS_TYPE,
    IssuerAnswer,
    IssuerVerifyReply,
    IssuerVerifyRequest,
)
from wuzheng.issuance.context import IssuanceContext
from wuzheng.issuance.disputes.models import Objection
from wuzheng.issuance.errors import FieldError, NotFound, invalid
from wuzheng.issuance.issuers.models import Issuer
from wuzheng.issuance.issuers.service import active_key, ensure_issuer, get_issuer
from wuzheng.issuance.licences import service as licences
from wuzheng.issuance.licences.models import Licence
from wuzheng.issuance.readmodel import service as readmodel
from wuzheng.issuance.seals import sign_compact

logger = logging.getLogger("wuzheng.issuance.verify")


def parse_request(body: dict[str, Any], location: str = "body") -> IssuerVerifyRequest:
    """The request, or a 422 problem naming every bad member."""
    try:
        return IssuerVerifyRequest.model_validate(body)
    except ValidationError as exc:
        raise invalid(
            [
                FieldError(
                    ".".join([location, *(str(p) for p in error["loc"])]),
                    error["msg"],
                    error["type"],
                )
                for error in exc.errors()
            ]
        ) from None


async def _issuer(session: AsyncSession, ctx: IssuanceContext, issuer_code: str) -> Issuer:
    """The issuer with its active key; an issuer known to the catalog but without keys yet
    gets them now, in a transaction of its own (the answer's session only reads)."""
    issuer = await get_issuer(session, issuer_code)
    if issuer is not None and issuer.active_kid is not None:
        return issuer
    department = await readmodel.department_by_issuer(session, issuer_code)
    if department is None:
        raise NotFound(f"issuer {issuer_code} is not served here", issuer_code=issuer_code)
    async with ctx.database.transaction() as writer:
        await ensure_issuer(writer, ctx, department)
    issuer = await session.get(Issuer, issuer_code, populate_existing=True)
    assert issuer is not None
    return issuer


async def _find(session: AsyncSession, request: IssuerVerifyRequest) -> tuple[Licence, bool] | None:
    """The licence asked for and whether an objection is open on it."""
    objection = (
        sa.select(Objection.dispute_id)
        .where(Objection.licence_id == Licence.id, Objection.closed_at.is_(None))
        .exists()
    )
    query = sa.select(Licence, objection).where(Licence.issuer_code == str(request.issuer_code))
    if request.licence_id is not None:
        lid: LicenceId = request.licence_id
        if lid.issuer_code != request.issuer_code:
            return None
        query = query.where(
            Licence.type_code == lid.type_code,
            Licence.serial == lid.serial,
            Licence.version == lid.version,
        )
    else:
        query = query.where(
            Licence.type_code == str(request.type_code),
            Licence.licence_no == request.licence_no,
        ).order_by(Licence.version.desc())
    row = (await session.execute(query.limit(1))).first()
    return (row[0], bool(row[1])) if row is not None else None


async def answer(
    session: AsyncSession,
    ctx: IssuanceContext,
    request: IssuerVerifyRequest,
    now: datetime | None = None,
) -> IssuerVerifyReply:
    """The signed answer of ``request.issuer_code`` about the licence asked for."""
    now = now or datetime.now(UTC)
    issuer = await _issuer(session, ctx, str(request.issuer_code))
    found = await _find(session, request)
    facts: dict[str, Any] = {}
    if found is None:
        outcome = VerificationOutcome.NOT_FOUND
        facts["licence_id"] = str(request.licence_id) if request.licence_id else None
    elif (licence := found[0]).holder != str(request.holder):
        outcome = VerificationOutcome.HOLDER_MISMATCH
        facts["licence_id"] = licence.id
    else:
        status = LicenceStatus(licence.status)
        today = ctx.settings.today(now)
        if status is LicenceStatus.VALID and licence.valid_until and licence.valid_until < today:
            status = LicenceStatus.EXPIRED
        outcome = VerificationOutcome.of(status)
        facts.update(
            licence_id=licence.id,
            type_code=licence.type_code,
            status=status,
            valid_from=licence.valid_from.isoformat(),
            valid_until=licence.valid_until.isoformat() if licence.valid_until else None,
            under_objection=found[1],
        )
        if status is LicenceStatus.SUPERSEDED:
            facts["current_licence_id"] = (await licences.current_version(session, licence)).id
        if outcome is VerificationOutcome.VALID:
            facts["fields"] = await _allowed_fields(session, ctx, licence, request.fields)
    logger.info(
        "verify %s for %s (%s): %s",
        facts.get("licence_id") or request.licence_no,
        request.caller_department,
        request.purpose,
        outcome.value,
    )
    payload = IssuerAnswer(
        iss=CreditCode(issuer.issuer_code),
        outcome=outcome,
        nonce=request.nonce,
        answered_at=now,
        **facts,
    )
    claims = payload.model_dump(mode="json")
    claims["iat"] = int(now.timestamp())
    key = await active_key(session, ctx, issuer)
    return IssuerVerifyReply(answer=sign_compact(claims, key, typ=ANSWER_JWS_TYPE))


async def _allowed_fields(
    session: AsyncSession, ctx: IssuanceContext, licence: Licence, wanted: tuple[str, ...]
) -> dict[str, Any]:
    if not wanted:
        return {}
    schema = ctx.schema_keys(licence.type_code)
    if schema is None:
        licence_type = await readmodel.licence_type(session, licence.type_code)
        schema = (
            frozenset(f.key for f in licence_type.fields)
            if licence_type is not None
            else frozenset(licence.document["fields"])
        )
        ctx.remember_schema(licence.type_code, schema)
    values: dict[str, Any] = licence.document["fields"]
    return {key: values[key] for key in wanted if key in schema and key in values}
