"""Checking one licence with its issuer (online) or against cached keys and the issuer's
status list (offline). Shared by verifications and evidence requests."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from wuzheng.contracts import HolderCode, VerificationOutcome
from wuzheng.contracts.verify import ANSWER_JWS_TYPE, IssuerAnswer, IssuerVerifyRequest
from wuzheng.seals import (
    JwkSet,
    MalformedTokenError,
    SealError,
    Status,
    StatusListError,
    StatusListToken,
    UnverifiedJws,
    verify_compact,
)
from wuzheng.verification.core import Core
from wuzheng.verification.errors import IssuerAnswerInvalid, IssuerUnavailable, UnknownIssuer
from wuzheng.verification.licences import repository as licences
from wuzheng.verification.licences.models import HolderLicence
from wuzheng.verification.licences.sealed import LICENCE_TYPS, LicenceClaims, SealedLicenceError
from wuzheng.verification.routes.views import RouteView
from wuzheng.verification.seals import read_status_list_token, read_unverified
from wuzheng.verification.verifications.schemas import OfflineCheck

__all__ = [
    "Answered",
    "OfflineAnswer",
    "SealedLicence",
    "ask_issuer",
    "check_offline",
    "verify_sealed",
]


@dataclass(frozen=True)
class Answered:
    answer: IssuerAnswer
    token: str
    kid: str


@dataclass(frozen=True)
class SealedLicence:
    claims: LicenceClaims
    kid: str


@dataclass(frozen=True)
class OfflineAnswer:
    outcome: VerificationOutcome
    kid: str
    source: Literal["qr", "cache"]
    list_status: Literal["valid", "invalid", "suspended", "superseded"]
    status_list: StatusListToken
    claims: LicenceClaims
    status_list_age_seconds: float  # as judged against the age limit, so reported the same

    def check(self, reason: str) -> OfflineCheck:
        """How this answer was reached, as the response shows it."""
        claims = self.claims
        return OfflineCheck(
            reason=reason,
            signed_licence=self.source,
            kid=self.kid,
            list_status=self.list_status,
            status_list_issued_at=self.status_list.issued_at,
            status_list_age_seconds=self.status_list_age_seconds,
            valid_from=claims.valid_from.isoformat() if claims.valid_from else None,
            valid_until=claims.valid_until.isoformat() if claims.valid_until else None,
        )


async def _keys_with(core: Core, route: RouteView, kid: str, *, refetch: bool) -> JwkSet | None:
    """The route's keys if they hold ``kid``; else, once, freshly fetched ones."""
    if kid in route.keys:
        return route.keys
    if not refetch:
        return None
    fresh = await core.routes.refetch_keys(route)
    return fresh if fresh is not None and kid in fresh else None


async def ask_issuer(
    core: Core,
    route: RouteView,
    *,
    licence_id: str,
    holder: HolderCode,
    purpose: str,
    item_seq_no: int | None,
    department: str,
    operator_id: str | None,
    fields: tuple[str, ...],
) -> Answered:
    """Forward the question to the issuer and check its signed answer.

    Raises :class:`IssuerUnavailable`, :class:`IssuerRefused` (from the client) or
    :class:`IssuerAnswerInvalid` — an answer that does not verify is never passed on.
    """
    nonce = secrets.token_urlsafe(18)
    # Every part was validated on the way in (or made here): not validated a second time.
    question = IssuerVerifyRequest.model_construct(
        # The wire form of both is the string: the route's issuer code (a checked USCC) and
        # the identifier as the caller gave it (read leniently: not re-parsed strictly).
        issuer_code=route.issuer_code,  # type: ignore[arg-type]
        licence_id=licence_id,  # type: ignore[arg-type]
        licence_no=None,
        type_code=None,
        holder=holder,
        purpose=purpose,
        item_seq_no=item_seq_no,
        caller_department=department[:64],
        operator_id=operator_id,
        fields=fields,
        nonce=nonce,
    )
    token = await core.client.ask(route, question)
    return await _check_answer(core, route, token, nonce)


async def _check_answer(core: Core, route: RouteView, token: str, nonce: str) -> Answered:
    code = route.issuer_code

    def invalid(reason: str) -> IssuerAnswerInvalid:
        core.breakers.invalid_answer(code, reason)
        return IssuerAnswerInvalid(
            f"the answer of issuer {code} failed verification: {reason}", issuer_code=code
        )

    try:
        parsed = read_unverified(token)
    except MalformedTokenError as exc:
        raise invalid(str(exc)) from None
    keys = await _keys_with(core, route, parsed.kid, refetch=True)
    if keys is None:
        raise invalid(f"signed with key {parsed.kid!r}, which the issuer does not publish")
    try:
        verified = verify_compact(parsed, keys, typ=ANSWER_JWS_TYPE)
    except SealError as exc:
        raise invalid(str(exc)) from None
    try:
        answer = IssuerAnswer.model_validate(verified.claims)
    except ValidationError as exc:
        raise invalid(f"not an IssuerAnswer ({exc.error_count()} error(s))") from None
    if answer.iss != code:
        raise invalid(f"answered by {answer.iss}, not {code}")
    if answer.nonce != nonce:
        raise invalid("the nonce is not the one sent (a replayed answer?)")
    skew = abs((datetime.now(UTC) - answer.answered_at).total_seconds())
    if skew > core.settings.answer_max_skew:
        raise invalid(f"answered_at is {skew:.0f}s away from now")
    return Answered(answer, token, verified.kid)


async def verify_sealed(core: Core, token: UnverifiedJws, *, refetch: bool = True) -> SealedLicence:
    """Check a sealed licence's seal with its sealer's published keys.

    :class:`SealedLicenceError` when it is not a sealed licence or the seal does not verify,
    :class:`UnknownIssuer` when its sealer has no route (so no keys) here.
    """
    claims = LicenceClaims.read(token)
    route = await core.routes.route(claims.sealer)
    if route is None:
        raise UnknownIssuer(
            f"the licence is sealed by {claims.sealer}, an issuer with no route here",
            issuer_code=claims.sealer,
        )
    keys = await _keys_with(core, route, token.kid, refetch=refetch)
    if keys is None:
        raise SealedLicenceError(
            f"sealed with key {token.kid!r}, which the sealer does not publish"
        )
    try:
        verified = verify_compact(token, keys)
    except SealError as exc:
        raise SealedLicenceError(f"the seal does not verify: {exc}") from None
    typ = str(verified.header.get("typ", "")).lower().removeprefix("application/")
    if typ not in LICENCE_TYPS:
        raise SealedLicenceError(f"not a sealed licence (typ {typ!r})")
    return SealedLicence(claims=claims, kid=verified.kid)


_LIST_STATUS: dict[int, Literal["valid", "invalid", "suspended", "superseded"]] = {
    Status.VALID: "valid",
    Status.INVALID: "invalid",
    Status.SUSPENDED: "suspended",
    Status.SUPERSEDED: "superseded",
}
_INVALID_OUTCOMES = {
    "revoked": VerificationOutcome.REVOKED,
    "cancelled": VerificationOutcome.CANCELLED,
    "pending_seals": VerificationOutcome.PENDING_SEALS,
}


class _StatusLists:
    """Parsed status list tokens, by token digest (parsing inflates the list)."""

    def __init__(self) -> None:
        self._parsed: dict[str, StatusListToken] = {}

    def read(self, token: str, keys: JwkSet) -> StatusListToken:
        digest = hashlib.sha256(token.encode()).hexdigest()
        parsed = self._parsed.get(digest)
        if parsed is None:
            parsed = read_status_list_token(token, keys)
            if len(self._parsed) > 1000:
                self._parsed.clear()
            self._parsed[digest] = parsed
        return parsed


STATUS_LISTS = _StatusLists()


async def _kept_copy(core: Core, licence_id: str) -> UnverifiedJws | None:
    async with core.database.sessionmaker() as session:
        kept = await licences.signed(session, licence_id)
    if kept is None:
        return None
    try:
        return read_unverified(kept.token)
    except MalformedTokenError:
        return None


async def _known_licence(core: Core, licence_id: str) -> HolderLicence | None:
    async with core.database.sessionmaker() as session:
        return await licences.licence(session, licence_id)


async def check_offline(
    core: Core,
    route: RouteView,
    *,
    licence_id: str,
    holder: HolderCode,
    sealed: SealedLicence | None,
    reason: str,
) -> OfflineAnswer:
    """Check a licence against the issuer's cached keys and latest status list.

    Needs the sealed licence — from the QR form sent now (``sealed``, already verified), or
    a copy kept from an earlier QR verification — and the issuer's status list;
    :class:`IssuerUnavailable` (naming what is missing) when either is not at hand or the
    list is older than the configured limit.
    """
    code = route.issuer_code

    def unavailable(why: str) -> IssuerUnavailable:
        return IssuerUnavailable(
            f"{reason}; offline check impossible: {why}",
            issuer_code=code,
            retry_after=core.breakers.retry_after(code) or None,  # when the circuit is open
        )

    source: Literal["qr", "cache"] = "qr"
    if sealed is None:
        source = "cache"
        token = await _kept_copy(core, licence_id)
        if token is None:
            raise unavailable("no sealed copy of the licence is kept here (send its QR form)")
        try:
            sealed = await verify_sealed(core, token, refetch=False)
        except (SealedLicenceError, UnknownIssuer) as exc:
            raise unavailable(f"the sealed licence cannot be checked ({exc.args[0]})") from None
    claims = sealed.claims
    if claims.licence_id != licence_id:
        raise unavailable("the sealed licence is another licence than the one asked about")
    list_token = await core.status_lists.get(code, core.load_status_list)
    if list_token is None:
        raise unavailable(f"no status list of issuer {code} has been received")
    try:
        status_list = STATUS_LISTS.read(list_token, route.keys)
    except StatusListError as exc:
        raise unavailable(f"the issuer's status list cannot be used ({exc})") from None
    age = status_list.age().total_seconds()
    if age > core.settings.offline_max_status_list_age:
        raise unavailable(f"the issuer's latest status list is {age:.0f}s old")
    known: HolderLicence | None = None
    try:
        if claims.status is not None:
            value = status_list.status_of(claims.status)
        else:
            known = await _known_licence(core, licence_id)
            if known is None or known.status_list_index is None:
                raise StatusListError("the licence has no status list entry")
            value = status_list.get(known.status_list_index)
    except StatusListError as exc:
        raise unavailable(str(exc)) from None
    list_status = _LIST_STATUS.get(value, "invalid")
    if list_status == "invalid" and known is None:
        known = await _known_licence(core, licence_id)  # which kind of invalid
    outcome = _offline_outcome(list_status, claims, holder, known.status if known else None, core)
    return OfflineAnswer(
        outcome, sealed.kid, source, list_status, status_list, claims, round(age, 3)
    )


def _today(core: Core) -> date:
    return datetime.now(ZoneInfo(core.settings.timezone)).date()


def _offline_outcome(
    list_status: str,
    claims: LicenceClaims,
    holder: HolderCode,
    known_status: str | None,
    core: Core,
) -> VerificationOutcome:
    if not claims.held_by(holder):
        return VerificationOutcome.HOLDER_MISMATCH
    if list_status == "suspended":
        return VerificationOutcome.SUSPENDED
    if list_status == "superseded":
        return VerificationOutcome.SUPERSEDED
    if list_status == "invalid":
        return _INVALID_OUTCOMES.get(known_status or "", VerificationOutcome.REVOKED)
    if claims.valid_until is not None and claims.valid_until < _today(core):
        return VerificationOutcome.EXPIRED
    return VerificationOutcome.VALID
