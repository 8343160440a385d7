"""``/v1/codes``: issue a code (爱山东 backend), draw it, resolve it (counter)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from wuzheng.db import DatabaseDep, SessionDep
from wuzheng.rescode.auth import CodeIssuer, CodeResolver, Responses, auth_responses
from wuzheng.rescode.codes import images, service
from wuzheng.rescode.codes.schemas import CodeIn, CodeOut, ResolveIn, ResolveOut
from wuzheng.rescode.context import RescodeDep
from wuzheng.service import OutboxDep

router = APIRouter(prefix="/v1/codes", tags=["codes"])

CodeId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The code's id")]

REFUSED: Responses = {
    400: {"description": "code-invalid: malformed, forged, altered or unknown code"},
    409: {"description": "code-used: the code was already resolved"},
    410: {"description": "code-expired: past its lifetime or replaced by a newer code"},
}


class Image(StrEnum):
    QR_SVG = "qr.svg"
    QR_PNG = "qr.png"
    BARCODE_SVG = "barcode.svg"
    BARCODE_PNG = "barcode.png"


@router.post("", status_code=201, responses=auth_responses("codes:issue"))
async def issue_code(
    caller: CodeIssuer, body: CodeIn, session: SessionDep, rescode: RescodeDep
) -> CodeOut:
    """A fresh dynamic code for a holder the caller authenticated: the signed QR payload,
    the digits and their Code 128 barcode, with the paths of their images. It lives
    ``RESCODE_CODE_TTL_SECONDS`` (default 60 s), resolves once, and replaces every earlier
    code of the same holder (and agent). An organisation's code (企业码) is requested for
    its agent, who needs an active ``company_staff`` mandate; a person's code may be shown
    by a family member or guardian with a mandate (403 ``mandate-required`` otherwise)."""
    return await service.issue(session, rescode, caller, body)


@router.post(
    "/resolve",
    responses={
        **auth_responses("codes:resolve"),
        **REFUSED,
        429: {"description": "rate-limited: too many attempts or refusals (Retry-After)"},
    },
)
async def resolve_code(
    caller: CodeResolver,
    body: ResolveIn,
    database: DatabaseDep,
    outbox: OutboxDep,
    rescode: RescodeDep,
) -> ResolveOut:
    """Resolve a scanned or typed code at a counter (department token; the operator from
    the token or ``operator_id``). Returns the holder's identity — the resident ID number
    masked unless the token also carries ``evidence:request`` — who acts for whom when an
    agent shows it, and, when the holder consented for this department and item, the
    holder's licences of the types the item's materials name. Each code resolves once; the
    scan is recorded in the holder's access log — a refused scan of a used, replaced or
    expired code, or beyond the agent's mandate, too."""
    try:
        async with database.transaction() as session:
            return await service.resolve(session, outbox, rescode, caller, body)
    except service.ScanRefused as refused:
        # The scan's transaction has rolled back; the attempt is recorded on its own.
        async with database.transaction() as session:
            await service.record_refusal(session, outbox, rescode, refused)
        raise refused.problem from None


_MEDIA = {"svg": "image/svg+xml", "png": "image/png"}


@router.get(
    "/{code_id}/{image}",
    responses={
        **auth_responses("codes:issue"),
        **REFUSED,
        404: {"description": "No such code"},
        200: {"content": {"image/svg+xml": {}, "image/png": {}}},
    },
    response_class=Response,
)
async def code_image(
    caller: CodeIssuer,
    code_id: CodeId,
    image: Image,
    session: SessionDep,
    rescode: RescodeDep,
    scale: Annotated[int | None, Query(ge=1, le=20, description="PNG module size")] = None,
) -> Response:
    """An image of a live code: ``qr.svg``, ``qr.png``, ``barcode.svg`` (Code 128 of the
    digits) or ``barcode.png``. Gone (410) once the code expired or was replaced, 409 once
    used. Never cached."""
    code = await service.live(session, rescode, code_id)
    match image:
        case Image.QR_SVG:
            content = images.qr_svg(code.payload)
        case Image.QR_PNG:
            content = images.qr_png(code.payload, scale or 8)
        case Image.BARCODE_SVG:
            content = images.barcode_svg(code.digits)
        case Image.BARCODE_PNG:
            content = images.barcode_png(code.digits, scale or 2)
    return Response(
        content,
        media_type=_MEDIA[image.value.rsplit(".", 1)[1]],
        headers={"Cache-Control": "no-store"},
    )
