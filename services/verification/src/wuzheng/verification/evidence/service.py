"""The evidence request: for every material of a service item, how it is satisfied.

=================  =========================================================================
mode               status
=================  =========================================================================
direct_cancel      ``not_needed``
commitment         ``commitment`` with the text to sign
data_sharing,      ``department_check`` (the providing department checks it); about a person
department_check   it needs the holder's consent, about an organisation it does not
e_licence          with consent covering the type: the holder's licence of that type (from
                   the ``certificate.licence.*`` read model) verified online with its issuer,
                   with the fields the form needs → ``licence``; none, or not valid, or the
                   issuer unreachable → ``submit`` (with the reason). With ``allow_offline``
                   an unreachable issuer's licence is checked offline (a sealed copy kept
                   here, the issuer's status list) → ``licence`` in mode ``offline``; when
                   that is impossible too, ``submit`` with both reasons. Without consent:
                   ``consent_required``
paper              ``submit``
=================  =========================================================================

The consent token is a consent id from rescode, known here from ``consent.grant.*`` events
(no synchronous call): it must belong to the holder, be granted to the caller's department
(and item, when it names one), be unexpired and unrevoked; a one-case consent is claimed
atomically and cannot be used twice. A bad token is refused (403) and the refusal recorded.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wuzheng.auth import Caller, InsufficientScope
from wuzheng.contracts import VerificationMode, VerificationOutcome
from wuzheng.contracts.events.rescode import ConsentScope
from wuzheng.contracts.events.verification import AccessKind
from wuzheng.contracts.problems import ProblemError
from wuzheng.db import utcnow
from wuzheng.verification.audit.attempt import Attempt, record_crash, record_problem
from wuzheng.verification.audit.chain import Usage
from wuzheng.verification.catalog.views import ItemView, MaterialView
from wuzheng.verification.consents import repository as consents
from wuzheng.verification.consents.models import Consent
from wuzheng.verification.core import Core
from wuzheng.verification.errors import (
    ConsentInvalid,
    IssuerAnswerInvalid,
    IssuerRefused,
    IssuerUnavailable,
    UnknownItem,
)
from wuzheng.verification.evidence.schemas import (
    ConsentUsed,
    EvidenceIn,
    EvidenceOut,
    EvidenceSummary,
    LicenceEvidence,
    MaterialEvidence,
)
from wuzheng.verification.licences import repository as licences
from wuzheng.verification.licences.models import HolderLicence
from wuzheng.verification.routes.views import RouteView
from wuzheng.verification.verifications.checks import ask_issuer, check_offline
from wuzheng.verification.verifications.schemas import OfflineCheck

SCOPE = "evidence:request"
_PREFERRED = ("valid", "suspended", "expired", "pending_seals", "revoked", "cancelled")


@dataclass(frozen=True)
class Grant:
    consent_id: str
    scope: str
    licence_types: frozenset[str]


def _choose(candidates: list[HolderLicence]) -> HolderLicence | None:
    """The licence to ask about: a valid one if any, else the newest not superseded."""
    live = [c for c in candidates if c.status != "superseded"]
    for status in _PREFERRED:
        for candidate in live:
            if candidate.status == status:
                return candidate
    return None


class EvidenceService:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def request(self, caller: Caller, body: EvidenceIn) -> EvidenceOut:
        attempt = Attempt.of(
            AccessKind.EVIDENCE_REQUEST,
            caller,
            holder=body.holder,
            item_seq_no=body.item_seq_no,
            purpose=body.purpose,
            operator_id=body.operator_id,
        )
        if body.consent_token:
            attempt.detail["consent"] = body.consent_token
        try:
            if not caller.has(SCOPE):
                raise InsufficientScope([SCOPE])
            return await self._request(attempt, body)
        except ProblemError as problem:
            problem.extensions["record_id"] = await record_problem(
                self.core.access_log, attempt, problem
            )
            raise
        except Exception as exc:
            await record_crash(self.core.access_log, attempt, exc)
            raise

    async def _request(self, attempt: Attempt, body: EvidenceIn) -> EvidenceOut:
        core = self.core
        item = await core.catalog.item(body.item_seq_no)
        if item is None:
            raise UnknownItem(f"service item {body.item_seq_no} is not in the catalogue")
        grant = await self._consent(body, attempt) if body.consent_token else None
        attempt.consent_id = grant.consent_id if grant else None
        holder_hmac = core.hasher.digest(body.holder)
        types = sorted({m.licence_type for m in item.materials if m.licence_type})
        async with core.database.sessionmaker() as session:
            held = await licences.holder_licences(session, holder_hmac, types)
        by_type: dict[str, list[HolderLicence]] = {}
        for licence in held:
            by_type.setdefault(licence.type_code, []).append(licence)

        results = await asyncio.gather(
            *(
                self._material(item, material, body, attempt, grant, by_type)
                for material in item.materials
            )
        )
        materials = [evidence for evidence, _ in results]
        usages = tuple(usage for _, usage in results if usage is not None)
        to_submit = sum(1 for m in materials if m.status == "submit")
        consent_required = sum(1 for m in materials if m.status == "consent_required")
        nothing = to_submit == 0 and consent_required == 0
        result = (
            "nothing_to_submit"
            if nothing
            else ("submit_required" if to_submit else "consent_required")
        )
        attempt.detail["materials"] = [_recorded(m) for m in materials]
        offline = [m.position for m in materials if m.licence and m.licence.offline]
        if offline:
            attempt.detail["offline_materials"] = offline
        recorded = await core.access_log.append(
            attempt.entry(
                result,
                "answered",
                # offline when any licence was checked offline: not every answer is the
                # issuer's own (the detail says which materials)
                mode=VerificationMode.OFFLINE
                if offline
                else (VerificationMode.ONLINE if usages else None),
                usages=usages,
            )
        )
        return EvidenceOut(
            record_id=recorded.record_id,
            item_seq_no=item.seq_no,
            item_name=item.name,
            holder=body.holder.masked(),
            consent=ConsentUsed(
                consent_id=grant.consent_id,
                scope=grant.scope,
                licence_types=sorted(grant.licence_types),
            )
            if grant
            else None,
            materials=materials,
            summary=EvidenceSummary(
                materials=len(materials),
                resolved=len(materials) - to_submit - consent_required,
                to_submit=to_submit,
                consent_required=consent_required,
                nothing_to_submit=nothing,
            ),
            checked_at=recorded.recorded_at,
        )

    async def _consent(self, body: EvidenceIn, attempt: Attempt) -> Grant:
        assert body.consent_token is not None
        core = self.core
        consent_id = body.consent_token
        now = utcnow()
        async with core.database.transaction() as session:
            consent = await consents.get(session, consent_id)
            refusal = self._refusal(consent, body, attempt, now)
            if refusal is not None:
                raise ConsentInvalid(refusal, consent_id=consent_id)
            assert consent is not None
            if consent.scope == ConsentScope.ONE_CASE.value and not await consents.claim_one_case(
                session, consent_id, now
            ):
                raise ConsentInvalid(
                    "this one-case consent (一事一授权) has already been used",
                    consent_id=consent_id,
                )
            return Grant(consent_id, consent.scope, frozenset(consent.licence_types))

    def _refusal(  # noqa: PLR0911 - one return per rule reads best
        self, consent: Consent | None, body: EvidenceIn, attempt: Attempt, now: datetime
    ) -> str | None:
        if consent is None:
            return "unknown consent token (not granted, or not yet known here)"
        if consent.revoked_at is not None:
            return "the consent was revoked"
        if consent.holder_hmac != self.core.hasher.digest(body.holder):
            return "the consent was granted by another holder"
        if consent.department != attempt.caller_department:
            return "the consent was granted to another department"
        if consent.item_seq_no is not None and consent.item_seq_no != body.item_seq_no:
            return f"the consent was granted for item {consent.item_seq_no}"
        if consent.valid_until <= now:
            return "the consent has expired"
        if consent.scope == ConsentScope.ONE_CASE.value and consent.used_at is not None:
            return "this one-case consent (一事一授权) has already been used"
        return None

    async def _material(
        self,
        item: ItemView,
        material: MaterialView,
        body: EvidenceIn,
        attempt: Attempt,
        grant: Grant | None,
        by_type: dict[str, list[HolderLicence]],
    ) -> tuple[MaterialEvidence, Usage | None]:
        evidence = MaterialEvidence(
            position=material.position,
            name=material.name,
            mode=material.mode,
            status="submit",
            legal_basis=material.legal_basis or None,
            licence_type=material.licence_type,
        )
        if material.mode == "direct_cancel":
            evidence.status = "not_needed"
        elif material.mode == "commitment":
            evidence.status = "commitment"
            evidence.commitment_text = material.commitment_text
        elif material.mode in ("data_sharing", "department_check"):
            evidence.provider_department = material.provider_department
            needs_consent = body.holder.is_person
            evidence.status = (
                "consent_required" if needs_consent and grant is None else ("department_check")
            )
        elif material.mode == "e_licence" and material.licence_type:
            type_code = material.licence_type
            if grant is None or type_code not in grant.licence_types:
                evidence.status = "consent_required"
                evidence.reason = (
                    "no consent" if grant is None else "the consent does not cover this type"
                )
                return evidence, None
            return await self._licence(item, material, body, attempt, by_type, evidence)
        else:
            evidence.reason = "paper" if material.mode == "paper" else "no licence type"
        return evidence, None

    async def _licence(
        self,
        item: ItemView,
        material: MaterialView,
        body: EvidenceIn,
        attempt: Attempt,
        by_type: dict[str, list[HolderLicence]],
        evidence: MaterialEvidence,
    ) -> tuple[MaterialEvidence, Usage | None]:
        core = self.core
        assert material.licence_type is not None
        chosen = _choose(by_type.get(material.licence_type, []))
        if chosen is None:
            evidence.reason = "no_licence"
            return evidence, None
        route = await core.routes.route(chosen.issuer_code)
        if route is None:
            evidence.reason = "unknown_issuer"
            return evidence, None
        mapping = item.field_map(material)
        fields = tuple(sorted({f for f in mapping.values() if f is not None}))
        try:
            answered = await ask_issuer(
                core,
                route,
                licence_id=chosen.licence_id,
                holder=body.holder,
                purpose=body.purpose,
                item_seq_no=body.item_seq_no,
                department=attempt.caller_department,
                operator_id=attempt.operator_id,
                fields=fields,
            )
        except IssuerUnavailable as unavailable:
            evidence.reason = "issuer_unavailable"
            evidence.detail = unavailable.detail
            if not body.allow_offline:
                return evidence, None
            return await self._offline(chosen, route, body, evidence, mapping, unavailable)
        except (IssuerAnswerInvalid, IssuerRefused) as exc:
            evidence.reason = exc.slug
            return evidence, None
        answer = answered.answer
        return await self._found(
            evidence,
            chosen,
            mapping,
            answer.outcome,
            mode=VerificationMode.ONLINE,
            fields={
                form: answer.fields[source]
                for form, source in mapping.items()
                if source is not None and source in answer.fields
            },
            kid=answered.kid,
            signed_answer=answered.token,
        )

    async def _found(
        self,
        evidence: MaterialEvidence,
        chosen: HolderLicence,
        mapping: dict[str, str | None],
        outcome: VerificationOutcome,
        *,
        mode: VerificationMode,
        kid: str,
        fields: dict[str, Any] | None = None,
        signed_answer: str | None = None,
        offline: OfflineCheck | None = None,
    ) -> tuple[MaterialEvidence, Usage]:
        """``evidence`` with the licence checked — online (its ``fields`` and the
        ``signed_answer``) or ``offline``: a valid one satisfies the material, any other
        outcome is why it must be submitted."""
        licence_type = await self.core.catalog.licence_type(chosen.type_code)
        evidence.licence = LicenceEvidence(
            licence_id=chosen.licence_id,
            issuer_code=chosen.issuer_code,
            type_code=chosen.type_code,
            type_name=licence_type.name if licence_type else None,
            outcome=outcome,
            mode=mode,
            fields=fields or {},
            unmapped_fields=sorted(form for form, source in mapping.items() if source is None),
            kid=kid,
            signed_answer=signed_answer,
            offline=offline,
        )
        if outcome is VerificationOutcome.VALID:
            evidence.status = "licence"
        else:
            evidence.reason = outcome.value
        return evidence, Usage(chosen.licence_id, chosen.type_code, chosen.issuer_code)

    async def _offline(
        self,
        chosen: HolderLicence,
        route: RouteView,
        body: EvidenceIn,
        evidence: MaterialEvidence,
        mapping: dict[str, str | None],
        unavailable: IssuerUnavailable,
    ) -> tuple[MaterialEvidence, Usage | None]:
        """The issuer cannot be reached and the caller allows an offline check: the kept
        sealed copy against the issuer's cached keys and latest status list. When that is
        impossible too the material stays ``submit``, its detail giving both reasons."""
        reason = unavailable.detail or "issuer unavailable"
        try:
            checked = await check_offline(
                self.core,
                route,
                licence_id=chosen.licence_id,
                holder=body.holder,
                sealed=None,
                reason=reason,
            )
        except IssuerUnavailable as impossible:
            evidence.detail = impossible.detail
            return evidence, None
        evidence.reason = evidence.detail = None
        return await self._found(
            evidence,
            chosen,
            mapping,
            checked.outcome,
            mode=VerificationMode.OFFLINE,
            kid=checked.kid,
            offline=checked.check(reason),
        )


def _recorded(material: MaterialEvidence) -> dict[str, Any]:
    """What the access record keeps of one material (no field values, no signed answers)."""
    entry: dict[str, Any] = {"position": material.position, "status": material.status}
    if material.reason:
        entry["reason"] = material.reason
    licence = material.licence
    if licence is not None:
        entry["licence_id"] = licence.licence_id
        entry["mode"] = licence.mode.value
        if licence.offline is not None:
            entry["offline_reason"] = licence.offline.reason[:300]
            entry["status_list_issued_at"] = licence.offline.status_list_issued_at.isoformat()
            entry["status_list_age_seconds"] = licence.offline.status_list_age_seconds
    elif material.detail:
        entry["detail"] = material.detail[:300]
    return entry
