"""The catalogue as verification reads it: cached item and licence type lookups."""

from __future__ import annotations

from wuzheng.db import Database
from wuzheng.verification.cache import TtlCache
from wuzheng.verification.catalog import repository
from wuzheng.verification.catalog.views import ItemView, LicenceTypeView


class CatalogReader:
    def __init__(self, database: Database, ttl: float) -> None:
        self.database = database
        self._items: TtlCache[int, ItemView | None] = TtlCache(ttl)
        self._types: TtlCache[str, LicenceTypeView | None] = TtlCache(ttl)

    async def _load_item(self, seq_no: int) -> ItemView | None:
        async with self.database.reader() as session:
            return await repository.load_item(session, seq_no)

    async def _load_type(self, code: str) -> LicenceTypeView | None:
        async with self.database.reader() as session:
            return await repository.load_licence_type(session, code)

    async def item(self, seq_no: int) -> ItemView | None:
        return await self._items.get(seq_no, self._load_item)

    async def licence_type(self, code: str) -> LicenceTypeView | None:
        return await self._types.get(code, self._load_type)

    def invalidate(self) -> None:
        self._items.clear()
        self._types.clear()
