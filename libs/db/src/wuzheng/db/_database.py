from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

SQLITE_BUSY_TIMEOUT_MS = 5_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; the busy timeout makes a second writer
    # wait instead of failing; SQLite leaves foreign keys off unless asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder a SQLite file URL points into (``var/db/`` on a fresh checkout)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine configured for the backend the URL names."""
    if is_sqlite(url):
        ensure_sqlite_directory(url)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_recycle=1800
    )


class Database:
    """One service's database: engine, session factory and after-commit hooks.

    It is a web-kit resource (``start``/``stop``/``check``) so readiness reports it.
    """

    name = "database"

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo)
        # A session class of our own, so after-commit hooks apply to this database only.
        self._session_class: type[Session] = type("WuzhengSession", (Session,), {})
        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=self._session_class
        )

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    def add_after_commit_hook(self, hook: Callable[[Session], None]) -> None:
        """Call ``hook(session)`` after every commit of a session from this database.

        The outbox uses it to wake its relay the moment an event is committed.
        """
        event.listen(self._session_class, "after_commit", hook)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on exit, or rolls back on an exception."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def start(self, app: Any = None) -> None:
        await self.check()

    async def check(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def stop(self) -> None:
        await self.engine.dispose()
