"""API models of 免证办 batches."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from wuzheng.web import RequestModel


class ExemptionListSummary(BaseModel):
    batch: int = Field(description="Batch number, 1 for the plan's first list")
    date: dt.date = Field(description="Date of the list")
    title: str
    item_count: int
    published_at: dt.datetime


class ExemptionLists(BaseModel):
    batches: list[ExemptionListSummary] = Field(description="Every published batch, in order")
    current: ExemptionListSummary | None = Field(
        description="The list in force: the latest batch (each batch is a complete list)"
    )


class ListedItem(BaseModel):
    seq_no: int
    name: str
    department: str


class ExemptionListDetail(ExemptionListSummary):
    items: list[ListedItem]


class ExemptionListDiff(BaseModel):
    from_batch: int
    to_batch: int
    added: list[ListedItem] = Field(description="On to_batch, not on from_batch")
    removed: list[ListedItem] = Field(description="On from_batch, not on to_batch")
    unchanged_count: int


class PublishIn(RequestModel):
    """A new batch: the complete 免证办 list as of ``date``."""

    batch: int = Field(ge=1, le=1_000_000, description="Greater than every published batch")
    date: dt.date = Field(description="Not earlier than the latest batch's date")
    title: str = Field(min_length=1, max_length=200)
    # Each seq_no is bounded like the path parameter: an unbounded int overflows the
    # database's INTEGER and would be a 500 instead of a 422.
    items: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(
        min_length=1, max_length=1_000_000, description="seq_no of every item on the list"
    )
