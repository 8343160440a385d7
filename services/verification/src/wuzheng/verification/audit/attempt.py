"""What a request will put in the access record, filled in as the request proceeds, so that a
refusal or failure at any step is recorded with everything known by then."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wuzheng.auth import Caller
from wuzheng.contracts import HolderCode, VerificationMode
from wuzheng.contracts.events.verification import AccessKind
from wuzheng.contracts.problems import ProblemError
from wuzheng.verification.audit.chain import AccessEntry, ResultClass, Usage
from wuzheng.verification.audit.log import AccessLog
from wuzheng.verification.errors import result_of


def department_of(caller: Caller) -> str:
    """Who calls, as the record names it: the token's department (else its subject)."""
    return caller.department_code or f"subject:{caller.subject}"[:200]


@dataclass
class Attempt:
    kind: AccessKind
    caller_department: str
    operator_id: str | None
    item_seq_no: int | None
    purpose: str
    holder: HolderCode
    licence_id: str | None = None
    type_code: str | None = None
    issuer_code: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    consent_id: str | None = None  # the consent the request was answered under

    @classmethod
    def of(
        cls,
        kind: AccessKind,
        caller: Caller,
        *,
        holder: HolderCode,
        item_seq_no: int | None,
        purpose: str,
        operator_id: str | None,
    ) -> Attempt:
        return cls(
            kind=kind,
            caller_department=department_of(caller),
            operator_id=operator_id or caller.operator_id,
            item_seq_no=item_seq_no,
            purpose=purpose,
            holder=holder,
        )

    def entry(
        self,
        result: str,
        result_class: ResultClass,
        *,
        mode: VerificationMode | None = None,
        usages: tuple[Usage, ...] = (),
    ) -> AccessEntry:
        return AccessEntry(
            kind=self.kind,
            caller_department=self.caller_department,
            operator_id=self.operator_id,
            item_seq_no=self.item_seq_no,
            purpose=self.purpose,
            holder=self.holder,
            result=result,
            result_class=result_class,
            licence_id=self.licence_id,
            type_code=self.type_code,
            issuer_code=self.issuer_code,
            mode=mode,
            detail=dict(self.detail),
            usages=usages,
            consent_id=self.consent_id,
        )


async def record_problem(log: AccessLog, attempt: Attempt, problem: ProblemError) -> str:
    """Record a refused (4xx) or failed (5xx) request; returns the record id."""
    attempt.detail["status"] = problem.status
    if problem.detail:
        attempt.detail["problem"] = problem.detail[:500]
    result_class: ResultClass = "refused" if problem.status < 500 else "failed"
    recorded = await log.append(attempt.entry(result_of(problem), result_class))
    return recorded.record_id


async def record_crash(log: AccessLog, attempt: Attempt, exc: BaseException) -> None:
    """Record a request that failed on a bug (it answers 500)."""
    attempt.detail["status"] = 500
    attempt.detail["error"] = type(exc).__name__
    await log.append(attempt.entry("failed:internal", "failed"))
