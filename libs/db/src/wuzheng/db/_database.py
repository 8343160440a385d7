from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
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


@dataclass(frozen=True)
class PoolSettings:
    """Connection pool of a server database (SQLite has one file and needs none).

    ``size`` connections are kept open; up to ``overflow`` more are opened under a burst and
    closed again when returned, which costs a connect (a backend process on PostgreSQL) per
    use: keep ``size`` at or above the concurrency a replica really runs. ``pre_ping`` tests
    each connection as it is checked out — three round trips with asyncpg (BEGIN, ping,
    ROLLBACK), more than most requests' own statements — so it is off by default: after a
    database restart the first statement on a dead connection fails, SQLAlchemy replaces the
    whole pool, and the writers that matter (outbox relay, consumers, the access log) retry.
    """

    size: int = 20
    overflow: int = 10
    pre_ping: bool = False
    recycle_seconds: int = 1800


def create_engine(url: str, *, echo: bool = False, pool: PoolSettings | None = None) -> AsyncEngine:
    """An async engine configured for the backend the URL names."""
    if is_sqlite(url):
        ensure_sqlite_directory(url)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    pool = pool or PoolSettings()
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool.size,
        max_overflow=pool.overflow,
        pool_pre_ping=pool.pre_ping,
        pool_recycle=pool.recycle_seconds,
    )


class Database:
    """One service's database: engine, session factory and after-commit hooks.

    It is a web-kit resource (``start``/``stop``/``check``) so readiness reports it.
    """

    name = "database"

    def __init__(self, url: str, *, echo: bool = False, pool: PoolSettings | None = None) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo, pool=pool)
        # A session class of our own, so after-commit hooks apply to this database only.
        self._session_class: type[Session] = type("WuzhengSession", (Session,), {})
        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=self._session_class
        )
        # Reads outside a transaction: no BEGIN/ROLLBACK round trips around a single SELECT.
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._reader = async_sessionmaker(
            self._autocommit,
            expire_on_commit=False,
            sync_session_class=self._session_class,
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

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A session for a hot read path: each statement runs on its own (autocommit), so a
        single SELECT costs one round trip. Use :meth:`transaction` for anything that writes
        or needs several statements to see one snapshot."""
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection outside any transaction: each statement commits on its own.

        For the hottest paths: a SELECT, or a single statement that writes and needs nothing
        around it (an ``UPDATE … RETURNING`` that claims rows, say), costs one round trip
        and no ORM session — rows, not entities, for about a third less CPU per statement.
        Use :meth:`transaction` when several statements must commit together."""
        async with self._autocommit.connect() as connection:
            yield connection

    async def start(self, app: Any = None) -> None:
        await self.check()

    async def check(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def stop(self) -> None:
        await self.engine.dispose()
