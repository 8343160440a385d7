"""``/v1/evidence-requests``: the one-stop preview of what a service item's materials need
for this applicant (``evidence:request``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wuzheng.auth import CallerDep
from wuzheng.verification.core import CoreDep
from wuzheng.verification.evidence.schemas import EvidenceIn, EvidenceOut
from wuzheng.verification.evidence.service import EvidenceService
from wuzheng.verification.responses import ModelResponse, model_response

router = APIRouter(prefix="/v1", tags=["evidence"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or invalid bearer token"},
    403: {
        "description": "No evidence:request scope, or the consent token is not usable "
        "(refusal recorded)"
    },
    404: {"description": "Unknown service item (recorded)"},
}


@router.post("/evidence-requests", response_model=EvidenceOut, responses=RESPONSES)
async def evidence_request(body: EvidenceIn, caller: CallerDep, core: CoreDep) -> ModelResponse:
    """For every material of the item: not needed (直接取消), a commitment to sign (告知承诺),
    a department check (数据共享/部门核验), the holder's licence found and verified online
    with the fields the form needs (电子证照), or what must still be submitted. Without a
    consent token only what needs no consent is resolved; the rest is ``consent_required``.
    The request is appended to the access record."""
    return model_response(await EvidenceService(core).request(caller, body))
