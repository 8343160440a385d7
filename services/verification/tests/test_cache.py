"""The read-model cache loads a value once however many ask at the same moment, and never
keeps a load an invalidation overtook."""

from __future__ import annotations

import asyncio

import pytest

from wuzheng.verification.cache import TtlCache


class SlowSource:
    """A stand-in for a database read that can be held open."""

    def __init__(self) -> None:
        self.value = "v1"
        self.calls = 0
        self.loading = asyncio.Event()
        self.release = asyncio.Event()

    async def started(self) -> None:
        await self.loading.wait()

    async def load(self, key: str) -> str:
        self.calls += 1
        self.loading.set()
        value = f"{key}={self.value}"
        await self.release.wait()
        return value


async def test_concurrent_misses_share_one_load() -> None:
    cache: TtlCache[str, str] = TtlCache(ttl=60)
    source = SlowSource()
    waiting = [asyncio.create_task(cache.get("type", source.load)) for _ in range(64)]
    await source.started()
    source.release.set()
    assert set(await asyncio.gather(*waiting)) == {"type=v1"}
    assert source.calls == 1
    assert await cache.get("type", source.load) == "type=v1"  # kept
    assert source.calls == 1


async def test_a_load_overtaken_by_an_invalidation_is_not_kept() -> None:
    cache: TtlCache[str, str] = TtlCache(ttl=60)
    source = SlowSource()
    stale = asyncio.create_task(cache.get("type", source.load))
    await source.started()
    source.value = "v2"  # the change commits while the old value is being read …
    cache.discard("type")  # … and its event invalidates the entry
    source.release.set()
    assert await stale == "type=v1"  # the waiter gets what was read
    assert await cache.get("type", source.load) == "type=v2"  # the next read is fresh
    assert source.calls == 2


async def test_a_failed_load_reaches_every_waiter_and_is_retried() -> None:
    cache: TtlCache[str, str] = TtlCache(ttl=60)
    calls = 0

    async def failing(key: str) -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        if calls == 1:
            raise ConnectionError("database gone")
        return "back"

    waiting = [asyncio.create_task(cache.get("k", failing)) for _ in range(3)]
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert await cache.get("k", failing) == "back"
    assert calls == 2


async def test_a_cancelled_waiter_does_not_cancel_the_shared_load() -> None:
    cache: TtlCache[str, str] = TtlCache(ttl=60)
    source = SlowSource()
    first = asyncio.create_task(cache.get("type", source.load))
    second = asyncio.create_task(cache.get("type", source.load))
    await source.started()
    first.cancel()
    source.release.set()
    assert await second == "type=v1"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert source.calls == 1


async def test_ttl_zero_loads_every_time() -> None:
    cache: TtlCache[str, str] = TtlCache(ttl=0)
    source = SlowSource()
    source.release.set()
    await cache.get("k", source.load)
    await cache.get("k", source.load)
    assert source.calls == 2
