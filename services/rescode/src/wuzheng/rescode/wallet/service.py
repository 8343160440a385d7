"""The wallet as the API shows it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import HolderCode, LicenceStatus, RevocationKind
from wuzheng.rescode.catalog_view import repository as catalog
from wuzheng.rescode.common import holder_out
from wuzheng.rescode.context import Rescode
from wuzheng.rescode.wallet import repository
from wuzheng.rescode.wallet.repository import LicenceView
from wuzheng.rescode.wallet.schemas import STATUS_LABELS, Seals, Wallet, WalletLicenceOut


async def licence_outs(
    session: AsyncSession, views: Sequence[LicenceView]
) -> list[WalletLicenceOut]:
    departments = await catalog.department_names(session, {v.row.department for v in views})
    out = []
    for view in views:
        row = view.row
        status = LicenceStatus.SUPERSEDED if view.superseded_by else LicenceStatus(row.status)
        revocation = RevocationKind(row.revocation) if row.revocation else None
        seals = (
            Seals(present=row.seals_present or [], required=row.seals_required)
            if row.seals_required is not None
            else None
        )
        out.append(
            WalletLicenceOut(
                licence_id=row.licence_id,
                licence_no=row.licence_no,
                type_code=row.type_code,
                type_name=row.type_name,
                issuer_code=row.issuer_code,
                department=row.department,
                department_name=departments.get(row.department),
                version=row.version,
                status=status,
                status_label=STATUS_LABELS[status],
                gbt_status_code=status.gbt_code(revocation),
                revocation=row.revocation,
                valid_from=row.valid_from,
                valid_until=row.valid_until,
                issued_at=row.issued_at,
                status_changed_at=row.status_changed_at,
                superseded_by=view.superseded_by,
                under_objection=bool(view.objections),
                objections=view.objections,
                seals=seals,
                updated_at=row.updated_at,
            )
        )
    return out


async def wallet(
    session: AsyncSession, rescode: Rescode, holder: HolderCode, *, include_superseded: bool
) -> Wallet:
    views = await repository.licences(
        session, rescode.vault.hash(holder), include_superseded=include_superseded
    )
    return Wallet(holder=holder_out(holder, full=True), licences=await licence_outs(session, views))
