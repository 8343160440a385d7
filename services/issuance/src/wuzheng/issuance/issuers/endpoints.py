"""``/v1/issuers``: who is served here, their public keys and status lists (public), and key
rotation (``licences:manage``, the issuer's own department)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Response

from wuzheng.db import SessionDep
from wuzheng.issuance.auth import AUTH_RESPONSES, ManageCaller, department_of
from wuzheng.issuance.context import ContextDep, IssuanceContext
from wuzheng.issuance.errors import NotFound, NotYourIssuer
from wuzheng.issuance.issuers import service, status_lists
from wuzheng.issuance.issuers.models import Issuer
from wuzheng.issuance.issuers.schemas import IssuerCodePath, IssuerOut, RotatedOut, RotateRequest
from wuzheng.issuance.offline import STATUS_LIST_TYP
from wuzheng.issuance.readmodel import service as readmodel
from wuzheng.issuance.seals import SealSuite

router = APIRouter(prefix="/v1/issuers", tags=["issuers"])


def issuer_out(ctx: IssuanceContext, issuer: Issuer, suite: str | None) -> IssuerOut:
    return IssuerOut(
        issuer_code=issuer.issuer_code,
        department=issuer.department_code,
        name=issuer.name,
        suite=SealSuite(suite) if suite else None,
        active_kid=issuer.active_kid,
        verify_subject=service.verify_subject(issuer.issuer_code),
        jwks_uri=ctx.settings.jwks_uri(issuer.issuer_code),
        status_list_uri=ctx.settings.status_list_uri(issuer.issuer_code),
    )


@router.get("")
async def list_issuers(session: SessionDep, ctx: ContextDep) -> list[IssuerOut]:
    """Every issuer this service seals and answers for."""
    return [issuer_out(ctx, issuer, suite) for issuer, suite in await service.list_issuers(session)]


@router.get(
    "/{issuer_code}/jwks.json",
    responses={
        200: {"description": "JWK Set (RFC 7517)", "content": {"application/jwk-set+json": {}}},
        404: {"description": "No seal keys for this issuer here"},
    },
)
async def jwks(issuer_code: IssuerCodePath, session: SessionDep) -> Response:
    """The issuer's public seal keys, active first, retired ones kept for old seals."""
    body = json.dumps(await service.jwks(session, issuer_code), ensure_ascii=False)
    return Response(
        body,
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get(
    "/{issuer_code}/status-list",
    responses={
        200: {
            "description": "Status List Token (draft-ietf-oauth-status-list), a compact JWS",
            "content": {f"application/{STATUS_LIST_TYP}": {}},
        },
        404: {"description": "No status list for this issuer here"},
    },
)
async def status_list(
    issuer_code: IssuerCodePath, session: SessionDep, ctx: ContextDep
) -> Response:
    """The issuer's signed status list as it stands now."""
    token = await status_lists.current_token(session, ctx, issuer_code)
    return Response(
        token,
        media_type=f"application/{STATUS_LIST_TYP}",
        headers={"Cache-Control": f"public, max-age={ctx.settings.status_list_ttl_seconds}"},
    )


@router.post(
    "/{issuer_code}/keys/rotate",
    responses={**AUTH_RESPONSES, 404: {"description": "No department issues under this code"}},
)
async def rotate(
    issuer_code: IssuerCodePath,
    body: RotateRequest,
    caller: ManageCaller,
    session: SessionDep,
    ctx: ContextDep,
) -> RotatedOut:
    """Put a fresh seal key in place (optionally of another suite: this is how a department
    moves to SM2/SM3); old public keys stay published. An issuer without keys yet gets its
    first key here. Emits ``certificate.issuer.served`` with the new JWKS."""
    department_code = department_of(caller)
    issuer = await service.get_issuer(session, issuer_code)
    if issuer is None or issuer.active_kid is None:
        department = await readmodel.department_by_issuer(session, issuer_code)
        if department is None:
            raise NotFound(f"no department issues under {issuer_code}")
        owner = department.code
    else:
        owner = issuer.department_code
    if owner != department_code:
        raise NotYourIssuer(
            f"issuer {issuer_code} is {owner}; the caller acts for {department_code}"
        )
    if issuer is None or issuer.active_kid is None:
        assert department is not None
        issuer = await service.ensure_issuer(session, ctx, department, body.suite)
        key_suite = body.suite or ctx.settings.suite_for(department.code)
    else:
        issuer, key = await service.rotate(session, ctx, issuer_code, body.suite)
        key_suite = key.suite
    out = issuer_out(ctx, issuer, key_suite.value)
    return RotatedOut(**out.model_dump(), jwks=await service.jwks(session, issuer_code))
