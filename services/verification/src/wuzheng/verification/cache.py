"""A small in-memory TTL cache for read-model lookups on the hot path.

Every verification needs the item's materials, the licence type and the issuer's route and
keys; reading them from the database each time would cost more than the verification itself.
A replica keeps what it read for ``ttl`` seconds; the events this replica applies clear the
cache at once, so only changes applied by *another* replica take up to ``ttl`` to be seen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values by key for ``ttl`` seconds, loaded once however many ask at the same moment.

    When an entry expires under load, every request in flight would otherwise miss together
    and each run the same query, on a connection of its own (a stampede every ``ttl``);
    here the first miss loads and the others wait for its result. A load that an
    invalidation overtakes (``discard``/``clear`` while it runs) is returned to those who
    waited but not kept: it may predate the change.
    """

    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}
        self._loading: dict[K, asyncio.Future[V]] = {}
        self._generation = 0
        self.loads = 0  # how many times a value was loaded (observability, tests)

    async def get(self, key: K, load: Callable[[K], Awaitable[V]]) -> V:
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        pending = self._loading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._load(key, load, self._generation))
            self._loading[key] = pending
        # A waiter that is cancelled must not cancel the load the others wait for.
        return await asyncio.shield(pending)

    async def _load(self, key: K, load: Callable[[K], Awaitable[V]], generation: int) -> V:
        try:
            value = await load(key)
        finally:
            if self._generation == generation:
                self._loading.pop(key, None)
        self.loads += 1
        if self.ttl > 0 and self._generation == generation:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.ttl, value)
        return value

    def discard(self, key: K) -> None:
        self._generation += 1
        self._entries.pop(key, None)
        self._loading.pop(key, None)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()
        self._loading.clear()


def after_commit(session: AsyncSession, action: Callable[[], None]) -> None:
    """Run ``action`` once ``session``'s transaction has committed: a cache cleared before
    the commit could be refilled with the old state by a concurrent request."""

    def run(_: Session) -> None:
        action()

    sa.event.listen(session.sync_session, "after_commit", run, once=True)
