"""``POST /v1/issuers/{issuer_code}/verify``: the issuer's signed answer over REST, for
verifiers outside the mesh (in-mesh ones use NATS ``verify.<issuer_code>``)."""

from __future__ import annotations

from fastapi import APIRouter

from wuzheng.contracts.verify import IssuerVerifyReply, IssuerVerifyRequest
from wuzheng.issuance.auth import AUTH_RESPONSES, VerifyCaller
from wuzheng.issuance.context import ContextDep
from wuzheng.issuance.errors import FieldError, invalid
from wuzheng.issuance.issuers.schemas import IssuerCodePath
from wuzheng.issuance.verify.service import answer

router = APIRouter(prefix="/v1/issuers", tags=["verification"])


@router.post(
    "/{issuer_code}/verify",
    response_model_exclude_none=True,
    responses={
        **AUTH_RESPONSES,
        404: {"description": "The issuer is not served here"},
        422: {"description": "Malformed request, or it names another issuer"},
    },
)
async def verify(
    issuer_code: IssuerCodePath,
    body: IssuerVerifyRequest,
    caller: VerifyCaller,
    ctx: ContextDep,
) -> IssuerVerifyReply:
    """The issuer's answer about one licence: valid / pending_seals / suspended / revoked /
    cancelled / expired / superseded / not_found / holder_mismatch, with only the fields the
    request names, signed (compact JWS, verify with ``jwks.json``) with the time of the
    answer and the request's nonce."""
    if body.issuer_code != issuer_code:
        raise invalid(
            [
                FieldError(
                    "body.issuer_code",
                    f"the request is for issuer {body.issuer_code}, the URL for {issuer_code}",
                    "issuer_mismatch",
                )
            ]
        )
    return await answer(ctx, body)
