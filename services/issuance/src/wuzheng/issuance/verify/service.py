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

from wuzheng.contracts import (
    CreditCode,
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
from wuzheng.issuance.errors import FieldError, NotFound, invalid
from wuzheng.issuance.issuers.service import ensure_issuer, seal_key
from wuzheng.issuance.licences import service as licences
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


async def _ensure_issuer(ctx: IssuanceContext, issuer_code: str) -> None:
    """An issuer known to the catalog but without keys yet gets them now, in a transaction
    of its own (the answer only reads); one not known at all is a 404."""
    async with ctx.database.reader() as session:
        department = await readmodel.department_by_issuer(session, issuer_code)
    if department is None:
        raise NotFound(f"issuer {issuer_code} is not served here", issuer_code=issuer_code)
    async with ctx.database.transaction() as writer:
        await ensure_issuer(writer, ctx, department)


async def answer(
    ctx: IssuanceContext, request: IssuerVerifyRequest, now: datetime | None = None
) -> IssuerVerifyReply:
    """The signed answer of ``request.issuer_code`` about the licence asked for."""
    now = now or datetime.now(UTC)
    issuer_code = str(request.issuer_code)
    found = await ctx.lookup.find(request)
    if found is None or found.active_kid is None:
        await _ensure_issuer(ctx, issuer_code)
        found = await ctx.lookup.find(request)
        if found is None or found.active_kid is None:
            raise RuntimeError(f"issuer {issuer_code} has no seal key after ensuring one")
    facts: dict[str, Any] = {}
    if (licence := found.licence) is None:
        outcome = VerificationOutcome.NOT_FOUND
        facts["licence_id"] = str(request.licence_id) if request.licence_id else None
    elif licence.holder != str(request.holder):
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
            under_objection=found.under_objection,
        )
        if status is LicenceStatus.SUPERSEDED:
            facts["current_licence_id"] = await _current_version_id(ctx, licence)
        if outcome is VerificationOutcome.VALID:
            facts["fields"] = await _allowed_fields(ctx, licence, request.fields)
    logger.info(
        "verify %s for %s (%s): %s",
        facts.get("licence_id") or request.licence_no,
        request.caller_department,
        request.purpose,
        outcome.value,
    )
    payload = IssuerAnswer(
        iss=CreditCode(issuer_code),
        outcome=outcome,
        nonce=request.nonce,
        answered_at=now,
        **facts,
    )
    claims = payload.model_dump(mode="json")
    claims["iat"] = int(now.timestamp())
    key = ctx.cached_key(found.active_kid)
    if key is None:  # once per key and process: decrypt it
        async with ctx.database.reader() as session:
            key = await seal_key(session, ctx, issuer_code, found.active_kid)
    return IssuerVerifyReply(answer=sign_compact(claims, key, typ=ANSWER_JWS_TYPE))


async def _current_version_id(ctx: IssuanceContext, licence: sa.Row[Any]) -> str:
    if licence.superseded_by is None:
        return str(licence.id)
    async with ctx.database.reader() as session:
        following = await licences.get(session, licence.superseded_by)
        return (await licences.current_version(session, following)).id


async def _allowed_fields(
    ctx: IssuanceContext, licence: sa.Row[Any], wanted: tuple[str, ...]
) -> dict[str, Any]:
    if not wanted:
        return {}
    schema = ctx.schema_keys(licence.type_code)
    if schema is None:
        async with ctx.database.reader() as session:
            licence_type = await readmodel.licence_type(session, licence.type_code)
            schema = (
                frozenset(f.key for f in licence_type.fields)
                if licence_type is not None
                else frozenset(licence.document["fields"])
            )
        ctx.remember_schema(licence.type_code, schema)
    values: dict[str, Any] = licence.document["fields"]
    return {key: values[key] for key in wanted if key in schema and key in values}
