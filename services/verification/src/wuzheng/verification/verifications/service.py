"""Verifying a licence ("谁制发、谁核验"): identify it, check the caller's entitlement, ask
its issuer and check the signed answer — or, when allowed and the issuer is unreachable,
check it offline — and record the access in every case."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from wuzheng.auth import Caller, InsufficientScope
from wuzheng.contracts import LicenceId, LicenceIdError, VerificationMode
from wuzheng.contracts.events.verification import AccessKind
from wuzheng.contracts.problems import ProblemError
from wuzheng.seals import MalformedTokenError, QrPayloadError, UnverifiedJws, decode_qr_payload
from wuzheng.verification.audit.attempt import Attempt, record_crash, record_problem
from wuzheng.verification.audit.chain import Usage
from wuzheng.verification.catalog.views import ItemView
from wuzheng.verification.core import Core
from wuzheng.verification.errors import (
    InvalidIdentifier,
    IssuerUnavailable,
    NotEntitled,
    UnknownIssuer,
    UnknownItem,
)
from wuzheng.verification.licences import repository as licences
from wuzheng.verification.licences.sealed import SealedLicenceError
from wuzheng.verification.routes.views import RouteView
from wuzheng.verification.seals import read_unverified
from wuzheng.verification.verifications.checks import (
    SealedLicence,
    ask_issuer,
    check_offline,
    verify_sealed,
)
from wuzheng.verification.verifications.schemas import (
    BatchOut,
    BatchResult,
    Verification,
    VerifyBatchIn,
    VerifyIn,
)

SCOPE = "verify:request"
BATCH_CONCURRENCY = 16


@dataclass
class Identified:
    licence_id: str
    type_code: str
    issuer_code: str
    warnings: list[str] = field(default_factory=list)
    qr_token: str | None = None
    qr: UnverifiedJws | None = None


def _parse_identifier(text: str, segment_prefix: str = "") -> LicenceId:
    try:
        return LicenceId.parse_lenient(text)
    except LicenceIdError as exc:
        raise InvalidIdentifier(
            f"licence identifier: {exc.message}", segment=f"{segment_prefix}{exc.segment}"
        ) from None


def identify(body: VerifyIn) -> Identified:
    """The licence named by the request; :class:`InvalidIdentifier` (422) names the bad
    segment (``type_code``, ``check``…, or ``qr.base45``, ``qr.zlib``… for a QR text)."""
    if body.licence_id is not None:
        parsed = _parse_identifier(body.licence_id)
        return Identified(
            str(parsed), str(parsed.type_code), str(parsed.issuer_code), list(parsed.warnings)
        )
    assert body.qr is not None
    try:
        token = decode_qr_payload(body.qr)
    except QrPayloadError as exc:
        raise InvalidIdentifier(f"QR code: {exc}", segment=f"qr.{exc.reason}") from None
    try:
        unverified = read_unverified(token)
    except MalformedTokenError as exc:
        raise InvalidIdentifier(f"QR code: {exc}", segment="qr.content") from None
    subject = unverified.claims.get("sub")
    if not isinstance(subject, str):
        raise InvalidIdentifier("QR code: the sealed licence names no licence", segment="qr.sub")
    parsed = _parse_identifier(subject, "qr.")
    return Identified(
        str(parsed),
        str(parsed.type_code),
        str(parsed.issuer_code),
        list(parsed.warnings),
        qr_token=token,
        qr=unverified,
    )


async def entitled_item(core: Core, item_seq_no: int, type_code: str) -> ItemView:
    item = await core.catalog.item(item_seq_no)
    if item is None:
        raise UnknownItem(f"service item {item_seq_no} is not in the catalogue")
    if not item.names_type(type_code):
        raise NotEntitled(
            f"the materials of item {item_seq_no} do not name licence type {type_code}: "
            "a caller may check a licence only for an item that needs it",
            item_seq_no=item_seq_no,
            type_code=type_code,
        )
    return item


async def route_of(core: Core, issuer_code: str) -> RouteView:
    route = await core.routes.route(issuer_code)
    if route is None:
        raise UnknownIssuer(
            f"no verification route for issuer {issuer_code}: it is neither served in the mesh "
            "nor registered",
            issuer_code=issuer_code,
        )
    return route


class Verifier:
    def __init__(self, core: Core) -> None:
        self.core = core

    def attempt(self, caller: Caller, body: VerifyIn) -> Attempt:
        return Attempt.of(
            AccessKind.VERIFICATION,
            caller,
            holder=body.holder,
            item_seq_no=body.item_seq_no,
            purpose=body.purpose,
            operator_id=body.operator_id,
        )

    async def verify(self, caller: Caller, body: VerifyIn) -> Verification:
        """Verify one licence, recording the access whatever happens."""
        attempt = self.attempt(caller, body)
        try:
            if not caller.has(SCOPE):
                raise InsufficientScope([SCOPE])
            return await self._verify(attempt, body)
        except ProblemError as problem:
            problem.extensions["record_id"] = await record_problem(
                self.core.access_log, attempt, problem
            )
            raise
        except Exception as exc:
            await record_crash(self.core.access_log, attempt, exc)
            raise

    async def verify_batch(self, caller: Caller, body: VerifyBatchIn) -> BatchOut:
        slots = asyncio.Semaphore(BATCH_CONCURRENCY)

        async def one(index: int, item: VerifyIn) -> BatchResult:
            async with slots:
                try:
                    verification = await self.verify(caller, item)
                except ProblemError as problem:
                    return BatchResult(
                        index=index,
                        status=problem.status,
                        problem=problem.to_problem().model_dump(mode="json", exclude_none=True),
                    )
                return BatchResult(index=index, status=200, verification=verification)

        results = await asyncio.gather(*(one(i, item) for i, item in enumerate(body.items)))
        if not caller.has(SCOPE):  # every item was refused and recorded
            raise InsufficientScope([SCOPE])
        succeeded = sum(1 for r in results if r.status == 200)
        return BatchOut(results=list(results), succeeded=succeeded, failed=len(results) - succeeded)

    async def _verify(self, attempt: Attempt, body: VerifyIn) -> Verification:
        core = self.core
        ident = identify(body)
        attempt.licence_id = ident.licence_id
        attempt.type_code = ident.type_code
        attempt.issuer_code = ident.issuer_code
        if ident.warnings:
            attempt.detail["warnings"] = ident.warnings
        item = await entitled_item(core, body.item_seq_no, ident.type_code)
        route = await route_of(core, ident.issuer_code)
        sealed = await self._check_qr_seal(ident) if ident.qr is not None else None
        licence_type = await core.catalog.licence_type(ident.type_code)
        type_name = licence_type.name if licence_type else None
        usage = (Usage(ident.licence_id, ident.type_code, ident.issuer_code),)
        try:
            answered = await ask_issuer(
                core,
                route,
                licence_id=ident.licence_id,
                holder=body.holder,
                purpose=body.purpose,
                item_seq_no=body.item_seq_no,
                department=attempt.caller_department,
                operator_id=attempt.operator_id,
                fields=item.licence_fields(ident.type_code),
            )
        except IssuerUnavailable as unavailable:
            if not body.allow_offline:
                raise
            return await self._offline(attempt, body, ident, route, sealed, unavailable, type_name)
        attempt.detail["kid"] = answered.kid
        recorded = await core.access_log.append(
            attempt.entry(
                answered.answer.outcome.value,
                "answered",
                mode=VerificationMode.ONLINE,
                usages=usage,
            )
        )
        return Verification(
            record_id=recorded.record_id,
            mode=VerificationMode.ONLINE,
            outcome=answered.answer.outcome,
            licence_id=ident.licence_id,
            issuer_code=ident.issuer_code,
            type_code=ident.type_code,
            type_name=type_name,
            holder=body.holder.masked(),
            item_seq_no=body.item_seq_no,
            warnings=ident.warnings,
            answer=answered.answer,
            signed_answer=answered.token,
            kid=answered.kid,
            checked_at=recorded.recorded_at,
        )

    async def _check_qr_seal(self, ident: Identified) -> SealedLicence:
        """A scanned code must carry the issuer's seal; a verified one is kept for a later
        offline check of the same licence."""
        assert ident.qr is not None
        assert ident.qr_token is not None
        try:
            sealed = await verify_sealed(self.core, ident.qr)
        except SealedLicenceError as exc:
            raise InvalidIdentifier(f"QR code: {exc}", segment="qr.seal") from None
        kept = self.core.kept_signed
        if ident.licence_id in kept:
            return sealed
        async with self.core.database.transaction() as session:
            await licences.keep_signed(session, ident.licence_id, ident.issuer_code, ident.qr_token)
        if len(kept) > 100_000:
            kept.clear()
        kept.add(ident.licence_id)
        return sealed

    async def _offline(
        self,
        attempt: Attempt,
        body: VerifyIn,
        ident: Identified,
        route: RouteView,
        sealed: SealedLicence | None,
        unavailable: IssuerUnavailable,
        type_name: str | None,
    ) -> Verification:
        reason = unavailable.detail or "issuer unavailable"
        checked = await check_offline(
            self.core,
            route,
            licence_id=ident.licence_id,
            holder=body.holder,
            sealed=sealed,
            reason=reason,
        )
        age = checked.status_list_age_seconds
        attempt.detail.update(
            kid=checked.kid,
            offline_reason=reason[:300],
            status_list_issued_at=checked.status_list.issued_at.isoformat(),
            status_list_age_seconds=age,
            signed_licence=checked.source,
        )
        recorded = await self.core.access_log.append(
            attempt.entry(
                checked.outcome.value,
                "answered",
                mode=VerificationMode.OFFLINE,
                usages=(Usage(ident.licence_id, ident.type_code, ident.issuer_code),),
            )
        )
        return Verification(
            record_id=recorded.record_id,
            mode=VerificationMode.OFFLINE,
            outcome=checked.outcome,
            licence_id=ident.licence_id,
            issuer_code=ident.issuer_code,
            type_code=ident.type_code,
            type_name=type_name,
            holder=body.holder.masked(),
            item_seq_no=body.item_seq_no,
            warnings=ident.warnings,
            kid=checked.kid,
            offline=checked.check(reason),
            checked_at=recorded.recorded_at,
        )
