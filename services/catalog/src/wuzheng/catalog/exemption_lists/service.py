"""Rules for 免证办 batches.

Each batch is the complete list as of its date (so two batches can be compared: items added
and removed); the current list is the latest batch. Batches are published in increasing
number and non-decreasing date, every item must exist, and a published batch is never
changed, replaced or deleted.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.catalog import events
from wuzheng.catalog.errors import FieldError, NotFound, PublishedBatchImmutable, invalid
from wuzheng.catalog.exemption_lists import repository
from wuzheng.catalog.exemption_lists.schemas import (
    ExemptionListDetail,
    ExemptionListDiff,
    ExemptionLists,
    ExemptionListSummary,
    ListedItem,
    PublishIn,
)
from wuzheng.catalog.items import repository as items
from wuzheng.catalog.models import ExemptionList
from wuzheng.contracts.events.catalog import ExemptionListPublished
from wuzheng.contracts.problems import Conflict
from wuzheng.db import utcnow
from wuzheng.messaging import Outbox

SHOWN_UNKNOWN = 50


class BatchOutOfOrder(Conflict):
    slug = "batch-out-of-order"
    title = "Batches are published in order"


def _summary(batch: ExemptionList) -> ExemptionListSummary:
    return ExemptionListSummary.model_validate(batch, from_attributes=True)


async def _get(session: AsyncSession, batch: int) -> ExemptionList:
    found = await repository.get(session, batch)
    if found is None:
        raise NotFound(f"no published batch {batch}")
    return found


async def overview(session: AsyncSession) -> ExemptionLists:
    batches = [_summary(b) for b in await repository.list_all(session)]
    return ExemptionLists(batches=batches, current=batches[-1] if batches else None)


async def _listed(session: AsyncSession, seq_nos: list[int]) -> list[ListedItem]:
    return [
        ListedItem(seq_no=seq_no, name=name, department=department)
        for seq_no, name, department in await repository.listed_items(session, seq_nos)
    ]


async def detail(session: AsyncSession, batch: int) -> ExemptionListDetail:
    found = await _get(session, batch)
    seq_nos = await repository.item_seq_nos(session, batch)
    return ExemptionListDetail(
        **_summary(found).model_dump(), items=await _listed(session, seq_nos)
    )


async def current(session: AsyncSession) -> ExemptionListDetail:
    latest = await repository.latest(session)
    if latest is None:
        raise NotFound("no batch has been published yet")
    return await detail(session, latest.batch)


async def diff(session: AsyncSession, from_batch: int, to_batch: int) -> ExemptionListDiff:
    await _get(session, from_batch)
    await _get(session, to_batch)
    before = set(await repository.item_seq_nos(session, from_batch))
    after = set(await repository.item_seq_nos(session, to_batch))
    return ExemptionListDiff(
        from_batch=from_batch,
        to_batch=to_batch,
        added=await _listed(session, sorted(after - before)),
        removed=await _listed(session, sorted(before - after)),
        unchanged_count=len(before & after),
    )


async def refuse_change(session: AsyncSession, batch: int) -> None:
    """What PUT, PATCH and DELETE on a batch get: 404 if unknown, else 409."""
    await _get(session, batch)
    raise PublishedBatchImmutable(
        f"batch {batch} is published; published batches are immutable: publish a new batch",
        batch=batch,
    )


def _listing(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:SHOWN_UNKNOWN])
    more = len(numbers) - SHOWN_UNKNOWN
    return f"{shown} and {more} more" if more > 0 else shown


async def publish(session: AsyncSession, outbox: Outbox, new: PublishIn) -> ExemptionListDetail:
    """Publish a batch and emit ``catalog.exemption_list.published``."""
    batch, event = await record(session, new)
    await events.emit(session, outbox, [event])
    return await detail(session, batch.batch)


async def record(
    session: AsyncSession, new: PublishIn
) -> tuple[ExemptionList, tuple[ExemptionListPublished, str]]:
    """Check and store a new batch; returns it and its event (for the caller to emit)."""
    if await repository.get(session, new.batch) is not None:
        raise PublishedBatchImmutable(
            f"batch {new.batch} is already published; published batches are immutable",
            batch=new.batch,
        )
    latest = await repository.latest(session)
    if latest is not None and new.batch < latest.batch:
        raise BatchOutOfOrder(
            f"batch {new.batch} comes before the latest published batch {latest.batch}; "
            f"publish batch {latest.batch + 1} or later",
            latest=latest.batch,
        )
    errors: list[FieldError] = []
    if latest is not None and new.date < latest.date:
        errors.append(
            FieldError(
                "body.date",
                f"{new.date} is earlier than batch {latest.batch} ({latest.date})",
                "out_of_order",
            )
        )
    repeated = sorted(n for n, count in Counter(new.items).items() if count > 1)
    if repeated:
        errors.append(
            FieldError("body.items", f"listed more than once: {_listing(repeated)}", "duplicate")
        )
    known = await items.existing_seq_nos(session, new.items)
    unknown = sorted(set(new.items) - known)
    if unknown:
        errors.append(
            FieldError("body.items", f"unknown items: {_listing(unknown)}", "unknown_reference")
        )
    if errors:
        raise invalid(errors)
    batch = ExemptionList(
        batch=new.batch,
        date=new.date,
        title=new.title,
        item_count=len(known),
        published_at=utcnow(),
    )
    await repository.insert(session, batch, new.items)
    return batch, events.exemption_list_published(batch, new.items)
