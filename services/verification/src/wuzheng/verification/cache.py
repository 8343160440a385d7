"""A small in-memory TTL cache for read-model lookups on the hot path.

Every verification needs the item's materials, the licence type and the issuer's route and
keys; reading them from the database each time would cost more than the verification itself.
A replica keeps what it read for ``ttl`` seconds; the events this replica applies clear the
cache at once, so only changes applied by *another* replica take up to ``ttl`` to be seen.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}

    async def get(self, key: K, load: Callable[[K], Awaitable[V]]) -> V:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = await load(key)
        if self.ttl > 0:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (now + self.ttl, value)
        return value

    def discard(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


def after_commit(session: AsyncSession, action: Callable[[], None]) -> None:
    """Run ``action`` once ``session``'s transaction has committed: a cache cleared before
    the commit could be refilled with the old state by a concurrent request."""

    def run(_: Session) -> None:
        action()

    sa.event.listen(session.sync_session, "after_commit", run, once=True)
