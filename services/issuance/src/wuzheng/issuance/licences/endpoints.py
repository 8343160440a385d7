"""``/v1/licences`` and ``/v1/holders/{holder}/licences``.

Issuing and amending need ``licences:issue``; suspending, reinstating, revoking and cancelling
``licences:manage``; both act for the caller's department (token claim ``dept``) on its own
licences only. A licence is readable by its departments (issuing and sealing) or with
``licences:read``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.auth import Caller, CallerDep, InsufficientScope
from wuzheng.contracts import LicenceStatus, ProblemError, RevocationKind
from wuzheng.db import SessionDep
from wuzheng.issuance.auth import (
    AUTH_RESPONSES,
    OWNER_SCOPES,
    READ_SCOPE,
    IssueCaller,
    ManageCaller,
    ReadCaller,
    department_of,
)
from wuzheng.issuance.context import ContextDep, IssuanceContext
from wuzheng.issuance.errors import FieldError, NotYourLicence, SealsIncomplete, invalid
from wuzheng.issuance.issuers.service import active_key, get_issuer
from wuzheng.issuance.licences import service
from wuzheng.issuance.licences.document import QR_JWS_TYPE, qr_claims
from wuzheng.issuance.licences.models import Licence
from wuzheng.issuance.licences.render import render_svg
from wuzheng.issuance.licences.render_pdf import render_pdf
from wuzheng.issuance.licences.schemas import (
    AmendRequest,
    BatchItemResult,
    BatchReport,
    BatchRequest,
    HistoryEntryOut,
    HistoryOut,
    HolderPath,
    IssueRequest,
    LicenceIdPath,
    LicenceOut,
    LicenceSummary,
    QrOut,
    RevokeRequest,
    SealOut,
    StatusChangeRequest,
    StatusListRef,
)
from wuzheng.issuance.licences.service import Actor, Amendment
from wuzheng.issuance.licences.view import LicenceView, licence_view
from wuzheng.issuance.offline import encode_qr_payload, qr_modules, qr_png, qr_svg
from wuzheng.issuance.readmodel import service as readmodel
from wuzheng.issuance.readmodel.service import Lookup
from wuzheng.issuance.seals import sign_compact

router = APIRouter(tags=["licences"])

IdempotencyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="The same key again answers with the same licence (or the body's "
        "idempotency_key)",
    ),
]
REPLAYED_HEADER = "Idempotent-Replayed"
# Items committed per transaction: each item is a savepoint, and PostgreSQL slows down
# sharply past 64 subtransactions in one transaction (its subxid cache overflows).
BATCH_CHUNK = 50


def actor_of(caller: Caller) -> Actor:
    return Actor(department_of(caller), caller.operator_id)


def check_read(licence: Licence, caller: Caller) -> None:
    """Readable with ``licences:read``, or by its own departments with issue/manage."""
    if caller.has(READ_SCOPE):
        return
    if not any(caller.has(scope) for scope in OWNER_SCOPES):
        raise InsufficientScope([READ_SCOPE])
    department = department_of(caller)
    if department != licence.department_code and department not in licence.seals_required:
        raise NotYourLicence(
            f"licence {licence.id} was issued by {licence.department_code}; reading another "
            f"department's licence needs {READ_SCOPE}"
        )


async def licence_out(session: AsyncSession, ctx: IssuanceContext, licence: Licence) -> LicenceOut:
    document = licence.document
    seals = await service.seals_of(session, licence.id)
    own = next((s.jws for s in seals if s.department_code == licence.department_code), None)
    state = LicenceStatus(licence.status)
    revocation = RevocationKind(licence.revocation) if licence.revocation else None
    return LicenceOut(
        licence_id=licence.id,
        licence_no=licence.licence_no,
        version=licence.version,
        type_code=licence.type_code,
        type_name=document["type"]["name"],
        issuer_code=licence.issuer_code,
        issuer_name=document["issuer"]["name"],
        department=licence.department_code,
        holder=licence.holder,
        status=state,
        gbt_status_code=None
        if state is LicenceStatus.PENDING_SEALS
        else state.gbt_code(revocation),
        revocation=revocation,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        issued_on=document["issued_on"],
        fields=document["fields"],
        seals_required=list(licence.seals_required),
        seals=[
            SealOut(
                department=s.department_code,
                issuer_code=s.issuer_code,
                kid=s.kid,
                jws=s.jws,
                sealed_at=s.sealed_at,
            )
            for s in seals
        ],
        seal=own,
        status_list=StatusListRef(
            idx=licence.status_list_index, uri=ctx.settings.status_list_uri(licence.issuer_code)
        ),
        previous_licence_id=licence.previous_id,
        superseded_by=licence.superseded_by,
        under_objection=await service.under_objection(session, licence.id),
        created_at=licence.created_at,
        issued_at=licence.issued_at,
        updated_at=licence.updated_at,
    )


# -- issuing ------------------------------------------------------------------------------


@router.post(
    "/v1/licences",
    status_code=status.HTTP_201_CREATED,
    responses={
        **AUTH_RESPONSES,
        409: {"description": "Idempotency key reused with another request; 证照编号 taken"},
        422: {"description": "Unknown type or issuer, bad holder code, field outside the schema…"},
    },
)
async def issue(
    body: IssueRequest,
    caller: IssueCaller,
    session: SessionDep,
    ctx: ContextDep,
    response: Response,
    idempotency_key: IdempotencyHeader = None,
) -> LicenceOut:
    """Issue a licence as the caller's department: fields checked against the type's schema,
    a GB/T 36904 identifier and a 证照编号 assigned, sealed (compact JWS) with the
    department's seal. A jointly sealed type stays ``pending_seals`` until every department
    has added its seal. Emits ``certificate.licence.issued`` (or ``seal_added``). The same
    idempotency key again returns the same licence (header ``Idempotent-Replayed: true``)."""
    key = _idempotency_key(body, idempotency_key)
    issued = await service.issue(session, ctx, actor_of(caller), body, key)
    if issued.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return await licence_out(session, ctx, issued.licence)


def _idempotency_key(body: IssueRequest, header: str | None, location: str = "body") -> str:
    if header is not None and body.idempotency_key is not None and header != body.idempotency_key:
        raise invalid(
            [
                FieldError(
                    f"{location}.idempotency_key",
                    "differs from the Idempotency-Key header",
                    "idempotency_key_mismatch",
                )
            ]
        )
    key = header or body.idempotency_key
    if key is None:
        raise invalid(
            [
                FieldError(
                    f"{location}.idempotency_key",
                    "an idempotency key is required (Idempotency-Key header or "
                    "idempotency_key), so that a retry cannot issue a second licence",
                    "missing",
                )
            ]
        )
    return key


@router.post("/v1/licences:batch", responses=AUTH_RESPONSES)
async def issue_batch(body: BatchRequest, caller: IssueCaller, ctx: ContextDep) -> BatchReport:
    """Issue up to 1,000 licences. Each item is issued, or refused, on its own (a savepoint
    of its own, its own idempotency key); the report says what became of each. Items are
    committed in chunks of 50."""
    actor = actor_of(caller)
    results: list[BatchItemResult] = []
    for start in range(0, len(body.items), BATCH_CHUNK):
        chunk = body.items[start : start + BATCH_CHUNK]
        async with ctx.database.transaction() as session:
            lookup = await service.prepare_batch(session, ctx, actor, len(chunk))
            for index, item in enumerate(chunk, start=start):
                results.append(await _issue_item(session, ctx, actor, lookup, index, item))
    return BatchReport(
        issued=sum(r.outcome == "issued" for r in results),
        replayed=sum(r.outcome == "replayed" for r in results),
        failed=sum(r.outcome == "failed" for r in results),
        items=results,
    )


async def _issue_item(
    session: AsyncSession,
    ctx: IssuanceContext,
    actor: Actor,
    lookup: Lookup,
    index: int,
    item: dict[str, Any],
) -> BatchItemResult:
    location = f"body.items.{index}"
    try:
        try:
            request = IssueRequest.model_validate(item)
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
        key = _idempotency_key(request, None, location)
        async with session.begin_nested():
            issued = await service.issue(
                session, ctx, actor, request, key, location=location, lookup=lookup
            )
    except ProblemError as problem:
        return BatchItemResult(
            index=index,
            outcome="failed",
            problem=problem.to_problem().model_dump(mode="json", exclude_none=True),
        )
    return BatchItemResult(
        index=index,
        outcome="replayed" if issued.replayed else "issued",
        licence_id=issued.licence.id,
        status=LicenceStatus(issued.licence.status),
    )


# -- reading ------------------------------------------------------------------------------


@router.get(
    "/v1/licences/{licence_id}",
    responses={**AUTH_RESPONSES, 404: {"description": "No such licence"}},
)
async def get_licence(
    licence_id: LicenceIdPath, caller: CallerDep, session: SessionDep, ctx: ContextDep
) -> LicenceOut:
    """One licence version with its seals and status."""
    licence = await service.get(session, licence_id)
    check_read(licence, caller)
    return await licence_out(session, ctx, licence)


@router.get("/v1/licences/{licence_id}/history", responses=AUTH_RESPONSES)
async def get_history(
    licence_id: LicenceIdPath, caller: CallerDep, session: SessionDep
) -> HistoryOut:
    """Every step of the licence version: action, status before and after, who, why, when."""
    licence = await service.get(session, licence_id)
    check_read(licence, caller)
    return HistoryOut(
        licence_id=licence.id,
        entries=[
            HistoryEntryOut(
                at=e.at,
                action=e.action,
                from_status=LicenceStatus(e.from_status) if e.from_status else None,
                to_status=LicenceStatus(e.to_status),
                actor=f"{e.actor_department}/{e.actor_operator or '-'}",
                reason=e.reason,
                dispute_id=e.dispute_id,
                details=e.details,
            )
            for e in await service.history(session, licence.id)
        ],
    )


@router.get("/v1/holders/{holder_code}/licences", responses=AUTH_RESPONSES)
async def holder_licences(
    holder_code: HolderPath,
    caller: ReadCaller,
    session: SessionDep,
    include_superseded: Annotated[bool, Query(description="Also older versions")] = False,
) -> list[LicenceSummary]:
    """The holder's licences (current versions unless asked otherwise)."""
    return [
        LicenceSummary(
            licence_id=licence.id,
            licence_no=licence.licence_no,
            version=licence.version,
            type_code=licence.type_code,
            type_name=licence.document["type"]["name"],
            issuer_code=licence.issuer_code,
            department=licence.department_code,
            status=LicenceStatus(licence.status),
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
        )
        for licence in await service.holder_licences(
            session, holder_code, include_superseded=include_superseded
        )
    ]


# -- joint seals and amendments -----------------------------------------------------------


@router.post(
    "/v1/licences/{licence_id}/seals",
    responses={**AUTH_RESPONSES, 409: {"description": "Not pending, or already sealed"}},
)
async def add_seal(
    licence_id: LicenceIdPath, caller: IssueCaller, session: SessionDep, ctx: ContextDep
) -> LicenceOut:
    """Add the caller's department's seal to a jointly sealed licence; the last one makes it
    valid (``certificate.licence.issued``, or ``amended`` for a new version)."""
    licence = await service.add_seal(session, ctx, actor_of(caller), licence_id)
    return await licence_out(session, ctx, licence)


@router.post(
    "/v1/licences/{licence_id}/amendments",
    status_code=status.HTTP_201_CREATED,
    responses={**AUTH_RESPONSES, 409: {"description": "Not valid or suspended"}},
)
async def amend(
    licence_id: LicenceIdPath,
    body: AmendRequest,
    caller: IssueCaller,
    session: SessionDep,
    ctx: ContextDep,
) -> LicenceOut:
    """Issue the next version (version segment + 1) with the changes; this version becomes
    ``superseded`` once the new one is sealed. Emits ``certificate.licence.amended``."""
    change = Amendment(
        fields=body.fields,
        reason=body.reason,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        set_valid_until="valid_until" in body.model_fields_set,
    )
    new = await service.amend(session, ctx, actor_of(caller), licence_id, change)
    return await licence_out(session, ctx, new)


# -- status changes -----------------------------------------------------------------------


async def _change(
    action: str,
    licence_id: str,
    caller: Caller,
    session: AsyncSession,
    ctx: IssuanceContext,
    reason: str,
    revocation: RevocationKind | None = None,
) -> LicenceOut:
    licence = await service.change_status(
        session, ctx, actor_of(caller), licence_id, action, reason, revocation=revocation
    )
    return await licence_out(session, ctx, licence)


CHANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    404: {"description": "No such licence"},
    409: {"description": "Not allowed from the licence's current status (named)"},
}


@router.post("/v1/licences/{licence_id}/suspend", responses=CHANGE_RESPONSES)
async def suspend(
    licence_id: LicenceIdPath,
    body: StatusChangeRequest,
    caller: ManageCaller,
    session: SessionDep,
    ctx: ContextDep,
) -> LicenceOut:
    """暂扣: valid → suspended (``certificate.licence.suspended``)."""
    return await _change("suspend", licence_id, caller, session, ctx, body.reason)


@router.post("/v1/licences/{licence_id}/reinstate", responses=CHANGE_RESPONSES)
async def reinstate(
    licence_id: LicenceIdPath,
    body: StatusChangeRequest,
    caller: ManageCaller,
    session: SessionDep,
    ctx: ContextDep,
) -> LicenceOut:
    """suspended → valid (``certificate.licence.reinstated``)."""
    return await _change("reinstate", licence_id, caller, session, ctx, body.reason)


@router.post("/v1/licences/{licence_id}/revoke", responses=CHANGE_RESPONSES)
async def revoke(
    licence_id: LicenceIdPath,
    body: RevokeRequest,
    caller: ManageCaller,
    session: SessionDep,
    ctx: ContextDep,
) -> LicenceOut:
    """撤销 (annulled) or 吊销 (penalty): valid, suspended or expired → revoked, final
    (``certificate.licence.revoked``)."""
    return await _change("revoke", licence_id, caller, session, ctx, body.reason, body.kind)


@router.post("/v1/licences/{licence_id}/cancel", responses=CHANGE_RESPONSES)
async def cancel(
    licence_id: LicenceIdPath,
    body: StatusChangeRequest,
    caller: ManageCaller,
    session: SessionDep,
    ctx: ContextDep,
) -> LicenceOut:
    """注销: → cancelled, final (``certificate.licence.cancelled``)."""
    return await _change("cancel", licence_id, caller, session, ctx, body.reason)


# -- QR code and rendering ----------------------------------------------------------------


async def qr_text(session: AsyncSession, ctx: IssuanceContext, licence: Licence) -> str:
    """The QR text of a licence: its compact QR token (signed by the issuer's active key),
    compressed and Base45-encoded."""
    if licence.status == LicenceStatus.PENDING_SEALS.value:
        raise SealsIncomplete(
            f"licence {licence.id} is pending_seals: it has no QR code until every seal is present",
            current_status=licence.status,
        )
    issuer = await get_issuer(session, licence.issuer_code)
    assert issuer is not None
    claims = qr_claims(
        licence.document,
        licence.issued_at or licence.created_at,
        licence.status_list_index,
        ctx.settings.status_list_uri(licence.issuer_code),
    )
    token = sign_compact(claims, await active_key(session, ctx, issuer), typ=QR_JWS_TYPE)
    return encode_qr_payload(token)


@router.get(
    "/v1/licences/{licence_id}/qr",
    response_model=QrOut,
    responses={
        **AUTH_RESPONSES,
        200: {
            "content": {"image/svg+xml": {}, "image/png": {}},
            "description": "JSON (payload text + SVG), or the image with ?format=svg|png",
        },
        409: {"description": "Still pending seals"},
    },
)
async def qr(
    licence_id: LicenceIdPath,
    caller: CallerDep,
    session: SessionDep,
    ctx: ContextDep,
    format: Annotated[Literal["json", "svg", "png"], Query()] = "json",
) -> Response | QrOut:
    """The licence's compact QR form — ``WZ1:`` + Base45(zlib(JWS)) as the EU health
    certificate does — verifiable offline with the issuer's JWKS and status list alone."""
    licence = await service.get(session, licence_id)
    check_read(licence, caller)
    text = await qr_text(session, ctx, licence)
    if format == "png":
        return Response(qr_png(text), media_type="image/png")
    svg = qr_svg(text)
    if format == "svg":
        return Response(svg, media_type="image/svg+xml")
    return QrOut(
        licence_id=licence.id,
        payload=text,
        svg=svg,
        jwks_uri=ctx.settings.jwks_uri(licence.issuer_code),
        status_list_uri=ctx.settings.status_list_uri(licence.issuer_code),
    )


async def _readable_view(
    licence_id: str, caller: Caller, session: AsyncSession, ctx: IssuanceContext
) -> tuple[LicenceView, str | None]:
    """What a drawing of the licence shows (checking the caller may read it) and its QR text
    (``None`` while pending seals)."""
    licence = await service.get(session, licence_id)
    check_read(licence, caller)
    licence_type = await readmodel.licence_type(session, licence.type_code)
    text = None
    if licence.status != LicenceStatus.PENDING_SEALS.value:
        text = await qr_text(session, ctx, licence)
    return licence_view(licence.document, licence.status, licence_type), text


@router.get(
    "/v1/licences/{licence_id}/render.svg",
    response_class=Response,
    responses={**AUTH_RESPONSES, 200: {"content": {"image/svg+xml": {}}}},
)
async def render(
    licence_id: LicenceIdPath, caller: CallerDep, session: SessionDep, ctx: ContextDep
) -> Response:
    """The licence drawn for people: name, fields, validity, seal mark and QR code."""
    view, text = await _readable_view(licence_id, caller, session, ctx)
    code = qr_svg(text, scale=3, border=2) if text is not None else None
    return Response(render_svg(view, code), media_type="image/svg+xml")


@router.get(
    "/v1/licences/{licence_id}/render.pdf",
    response_class=Response,
    responses={**AUTH_RESPONSES, 200: {"content": {"application/pdf": {}}}},
)
async def render_as_pdf(
    licence_id: LicenceIdPath, caller: CallerDep, session: SessionDep, ctx: ContextDep
) -> Response:
    """The licence as a one-page A4 PDF: what ``render.svg`` shows, seal mark and QR code."""
    view, text = await _readable_view(licence_id, caller, session, ctx)
    pdf = render_pdf(view, qr_modules(text) if text is not None else None)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{view.licence_id}.pdf"'},
    )
