"""``/v1/routes``: the issuer route registry and route health (``routes:manage``)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.auth import Caller, require_scopes
from wuzheng.contracts import CreditCode
from wuzheng.contracts.problems import InvalidInput, NotFound
from wuzheng.db import SessionDep
from wuzheng.verification.cache import after_commit
from wuzheng.verification.catalog import repository as catalog
from wuzheng.verification.core import Core, CoreDep
from wuzheng.verification.routes import repository
from wuzheng.verification.routes.models import IssuerRoute
from wuzheng.verification.routes.schemas import (
    CredentialOut,
    Health,
    RouteIn,
    RouteOut,
    RoutePatch,
    RoutesOut,
)

logger = logging.getLogger("wuzheng.verification.routes")

router = APIRouter(prefix="/v1/routes", tags=["routes"])
Operator = Annotated[Caller, Depends(require_scopes("routes:manage"))]
IssuerCode = Annotated[CreditCode, Path(description="The issuer's unified social credit code")]
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or invalid bearer token"},
    403: {"description": "The token lacks the routes:manage scope"},
}


def _out(core: Core, row: IssuerRoute, names: dict[str, str]) -> RouteOut:
    view = core.routes.view(row)
    health = core.breakers.health(row.issuer_code)
    timeout = view.timeout_ms if view and view.timeout_ms else None
    credential = view.credential if view else None  # only a registered URL has one
    return RouteOut(
        issuer_code=row.issuer_code,
        department=row.department,
        department_name=names.get(row.department or ""),
        transport=view.transport if view else "nats",
        subject=row.mesh_subject,
        url=row.url,
        jwks_url=view.jwks_url if view else None,
        kids=sorted(view.keys.keys) if view else [],
        mesh_served=row.mesh_subject is not None,
        timeout_ms=row.timeout_ms,
        effective_timeout_ms=timeout or int(core.settings.issuer_timeout * 1000),
        credential=CredentialOut(
            kind=credential.kind,
            ref=credential.ref,
            key_ref=credential.key_ref,
            problem=core.client.secrets.problem(credential),
        )
        if credential
        else None,
        registered_by=row.registered_by,
        registered_at=row.registered_at,
        health=Health(
            state=health.state,
            consecutive_failures=health.consecutive_failures,
            successes=health.successes,
            failures=health.failures,
            invalid_answers=health.invalid_answers,
            last_success_at=health.last_success_at,
            last_failure_at=health.last_failure_at,
            last_error=health.last_error,
            opened_at=health.opened_at,
            open_for_seconds=health.open_for,
            retry_after_seconds=round(core.breakers.retry_after(row.issuer_code), 1),
        ),
    )


async def _names(session: AsyncSession) -> dict[str, str]:
    return await catalog.department_names(session)


async def _existing(session: AsyncSession, issuer_code: str) -> IssuerRoute:
    row = await repository.get(session, issuer_code)
    if row is None:
        raise NotFound(f"no route for issuer {issuer_code}", issuer_code=issuer_code)
    return row


@router.get("", responses=AUTH_RESPONSES)
async def list_routes(_: Operator, session: SessionDep, core: CoreDep) -> RoutesOut:
    """Every issuer this service can route to, with its transport, cached keys and this
    replica's view of its health (circuit state, last success and failure)."""
    names = await _names(session)
    return RoutesOut(routes=[_out(core, row, names) for row in await repository.list_all(session)])


@router.get("/{issuer_code}", responses={**AUTH_RESPONSES, 404: {"description": "No route"}})
async def get_route(
    issuer_code: IssuerCode, _: Operator, session: SessionDep, core: CoreDep
) -> RouteOut:
    return _out(core, await _existing(session, str(issuer_code)), await _names(session))


@router.put(
    "/{issuer_code}",
    responses={**AUTH_RESPONSES, 422: {"description": "Bad URL or credential reference"}},
)
async def register_route(
    issuer_code: IssuerCode, body: RouteIn, caller: Operator, session: SessionDep, core: CoreDep
) -> RouteOut:
    """Register (or replace) the HTTPS endpoint of a department running its own verification
    service; it takes precedence over the in-mesh route. Its keys are fetched at once when
    reachable (else on the first answer). When the endpoint requires authentication,
    ``credential`` names the secret to present — a bearer token file or a client certificate
    and key — by file name under ``VERIFICATION_ROUTE_SECRETS_DIR``; the secret itself is never
    sent here, stored or shown, and is read again whenever its file changes."""
    code = str(issuer_code)
    for name, url in (("url", body.url), ("jwks_url", body.jwks_url)):
        if url is not None and url.startswith("http://") and not core.settings.http_routes_allowed:
            raise InvalidInput(
                f"{name} must use https",
                errors=[
                    {"field": f"body.{name}", "message": "must use https", "type": "value_error"}
                ],
            )
    jwks_url = body.jwks_url or f"{body.url}/v1/issuers/{code}/jwks.json"
    operator = f"{caller.department_code or caller.subject}/{caller.operator_id or '-'}"
    credential = body.credential.credential() if body.credential else None
    row = await repository.register_url(
        session,
        code,
        url=body.url,
        jwks_url=jwks_url,
        department=body.department,
        timeout_ms=body.timeout_ms,
        registered_by=operator[:200],
        credential=credential,
    )
    try:
        row.url_jwks = await core.client.fetch_jwks(jwks_url, core.routes.view(row))
        row.jwks_fetched_at = row.registered_at
    except ValueError as exc:
        logger.warning("keys of %s not fetched at registration: %s", code, exc)
    await session.flush()
    logger.info(
        "route of %s registered at %s (credential: %s) by %s",
        code,
        body.url,
        credential.describe() if credential else "none",
        operator,
    )
    after_commit(session, lambda: core.routes.invalidate(code))
    return _out(core, row, await _names(session))


@router.patch("/{issuer_code}", responses={**AUTH_RESPONSES, 404: {"description": "No route"}})
async def set_timeout(
    issuer_code: IssuerCode, body: RoutePatch, _: Operator, session: SessionDep, core: CoreDep
) -> RouteOut:
    """Set (or with null, reset) the issuer's own timeout."""
    row = await _existing(session, str(issuer_code))
    row.timeout_ms = body.timeout_ms
    await session.flush()
    after_commit(session, lambda: core.routes.invalidate(row.issuer_code))
    return _out(core, row, await _names(session))


@router.delete(
    "/{issuer_code}",
    status_code=204,
    responses={**AUTH_RESPONSES, 404: {"description": "No registered URL"}},
)
async def drop_route(
    issuer_code: IssuerCode, caller: Operator, session: SessionDep, core: CoreDep
) -> Response:
    """Remove a registered URL; the issuer falls back to its in-mesh route, if any."""
    row = await _existing(session, str(issuer_code))
    if row.url is None:
        raise NotFound(f"issuer {issuer_code} has no registered URL", issuer_code=str(issuer_code))
    await repository.drop_url(session, row)
    await session.flush()
    logger.info("route URL of %s removed by %s", issuer_code, caller.subject)
    after_commit(session, lambda: core.routes.invalidate(str(issuer_code)))
    return Response(status_code=204)
