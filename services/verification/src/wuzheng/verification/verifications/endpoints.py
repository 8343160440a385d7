"""``/v1/verifications``: verify a licence with its issuer (``verify:request``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wuzheng.auth import CallerDep
from wuzheng.verification.core import CoreDep
from wuzheng.verification.responses import ModelResponse, model_response
from wuzheng.verification.verifications.schemas import (
    BatchOut,
    Verification,
    VerifyBatchIn,
    VerifyIn,
)
from wuzheng.verification.verifications.service import Verifier

router = APIRouter(prefix="/v1", tags=["verifications"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or invalid bearer token"},
    403: {
        "description": "No verify:request scope, or the item does not need this licence "
        "type (refusal recorded)"
    },
    404: {"description": "Unknown service item or issuer (recorded)"},
    422: {"description": "Malformed identifier or QR code, naming the bad segment (recorded)"},
    502: {"description": "The issuer's answer failed verification, or it refused (recorded)"},
    503: {
        "description": "issuer_unavailable: the issuer cannot be reached (recorded); with "
        "its circuit open, Retry-After says when it is tried again"
    },
}


@router.post("/verifications", response_model=Verification, responses=RESPONSES)
async def verify(body: VerifyIn, caller: CallerDep, core: CoreDep) -> ModelResponse:
    """Verify one licence: its issuer is found from the identifier ("谁制发、谁核验"), asked
    over the mesh (or its registered URL), and its signed answer checked before it is
    returned with ``mode: "online"``. With ``allow_offline`` and the issuer unreachable, the
    licence is checked against the issuer's cached keys and latest status list instead
    (``mode: "offline"``, with the list's age). Every call — answered, refused or failed —
    is appended to the access record."""
    return model_response(await Verifier(core).verify(caller, body))


@router.post("/verifications:batch", response_model=BatchOut, responses=RESPONSES)
async def verify_batch(body: VerifyBatchIn, caller: CallerDep, core: CoreDep) -> ModelResponse:
    """Up to 100 verifications; each gets its own result (``status`` 200 with the
    verification, or the problem it would have had alone) and its own access record."""
    return model_response(await Verifier(core).verify_batch(caller, body))
