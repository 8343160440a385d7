"""Recording accesses (with their ``rescode.access.recorded`` event) and showing the log."""

from __future__ import annotations

from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.contracts import EventPayload, HolderCode
from wuzheng.contracts.events.rescode import AccessRecorded
from wuzheng.messaging import Outbox
from wuzheng.rescode.access_log import repository
from wuzheng.rescode.access_log.models import AccessRecord
from wuzheng.rescode.access_log.repository import Entry
from wuzheng.rescode.access_log.schemas import (
    AccessLog,
    AccessRecordOut,
    AccessSource,
    ActingRecord,
    ChainOut,
)
from wuzheng.rescode.catalog_view import repository as catalog
from wuzheng.rescode.common import Relation, holder_out
from wuzheng.rescode.events import emit
from wuzheng.rescode.keys import HolderVault


async def record(
    session: AsyncSession,
    outbox: Outbox,
    vault: HolderVault,
    holder: HolderCode,
    entry: Entry,
    *also: tuple[EventPayload, str],
) -> AccessRecord:
    """Append ``entry`` to the holder's log and announce it (with the events ``also``
    names), in the session's transaction."""
    row = await repository.append(session, vault.hash(holder), entry)
    announced = AccessRecorded(
        holder=holder,
        source=entry.source,
        department=entry.department,
        item_seq_no=entry.item_seq_no,
        purpose=entry.purpose,
        result=entry.result,
        at=entry.at,
        record_id=row.id,
        reference=entry.reference,
        operator_id=entry.operator_id,
    )
    await emit(session, outbox, (announced, row.id), *also)
    return row


async def access_log(
    session: AsyncSession,
    vault: HolderVault,
    holder: HolderCode,
    *,
    limit: int,
    before_seq: int | None,
) -> AccessLog:
    key = vault.hash(holder)
    chain = await repository.records(session, key)
    state = repository.verify(key, chain, await repository.head(session, key))
    newest_first = [r for r in reversed(chain) if before_seq is None or r.seq < before_seq]
    page = newest_first[:limit]
    departments = await catalog.department_names(session, {r.department for r in page})
    items = await catalog.item_names(
        session, {r.item_seq_no for r in page if r.item_seq_no is not None}
    )
    records = [
        AccessRecordOut(
            record_id=r.id,
            seq=r.seq,
            source=cast(AccessSource, r.source),
            department=r.department,
            department_name=departments.get(r.department),
            operator_id=r.operator_id,
            item_seq_no=r.item_seq_no,
            item_name=items.get(r.item_seq_no) if r.item_seq_no is not None else None,
            purpose=r.purpose,
            result=r.result,
            at=r.at,
            licence_ids=list(r.licence_ids),
            type_code=r.type_code,
            acting=ActingRecord(
                agent=r.agent_masked,
                relation=r.relation,
                relation_label=Relation(r.relation).label,
            )
            if r.agent_masked and r.relation
            else None,
            hash=r.hash,
            prev_hash=r.prev_hash,
        )
        for r in page
    ]
    more = len(newest_first) > limit
    return AccessLog(
        holder=holder_out(holder, full=True),
        chain=ChainOut(
            length=state.length,
            head_hash=state.head_hash,
            intact=state.intact,
            broken_at=state.broken_at,
        ),
        records=records,
        next_before_seq=page[-1].seq if more and page else None,
    )
