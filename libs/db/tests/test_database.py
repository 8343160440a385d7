from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import ForeignKey, String, func, insert, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from wuzheng.db import Database, SessionDep, UtcDateTime, insert_ignore, make_metadata, migrate

MIGRATIONS = str(Path(__file__).parent / "sample_migrations")


class Base(DeclarativeBase):
    metadata = make_metadata()


class Department(Base):
    __tablename__ = "department"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Licence(Base):
    __tablename__ = "licence"
    id: Mapped[int] = mapped_column(primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("department.code"))


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    await migrate(database_url, MIGRATIONS)
    db = Database(database_url)
    await db.start()
    yield db
    await db.stop()


async def count(db: Database, model: type[Department] | type[Licence]) -> int:
    async with db.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_migrations_are_idempotent(database: Database) -> None:
    await migrate(database.url, MIGRATIONS)
    async with database.engine.connect() as connection:
        version = (
            await connection.execute(text("SELECT version_num FROM alembic_version"))
        ).scalar_one()
    assert version == "0001"


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'x.sqlite3'}")
    async with db.engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
        assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one() == 5000
    await db.stop()


async def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add(Licence(id=1, department_code="missing"))
    assert await count(database, Licence) == 0


async def test_transaction_commits_and_rolls_back(database: Database) -> None:
    async with database.transaction() as session:
        session.add(Department(code="civil", name="民政局"))
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            session.add(Department(code="police", name="公安局"))
            await session.flush()
            raise RuntimeError("boom")
    assert await count(database, Department) == 1


async def test_datetimes_come_back_aware_in_utc(database: Database) -> None:
    cst = timezone(timedelta(hours=8))
    async with database.transaction() as session:
        session.add(Department(code="a", name="A", created_at=datetime(2026, 1, 1, 8, tzinfo=cst)))
    async with database.sessionmaker() as session:
        stored = (await session.execute(select(Department.created_at))).scalar_one()
    assert stored == datetime(2026, 1, 1, 0, tzinfo=UTC)
    assert stored is not None
    assert stored.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive"):
        async with database.transaction() as session:
            session.add(Department(code="a", name="A", created_at=datetime(2026, 1, 1)))
            await session.flush()


async def test_insert_ignore_reports_whether_it_inserted(database: Database) -> None:
    table = Department.__table__
    async with database.transaction() as session:
        first = await insert_ignore(
            session, table, {"code": "a", "name": "A"}, conflict_columns=["code"]
        )  # type: ignore[arg-type]
        second = await insert_ignore(
            session, table, {"code": "a", "name": "A"}, conflict_columns=["code"]
        )  # type: ignore[arg-type]
    assert (first, second) == (True, False)
    assert await count(database, Department) == 1


async def test_after_commit_hooks_fire_on_commit_only(database: Database) -> None:
    commits: list[Session] = []
    database.add_after_commit_hook(commits.append)
    async with database.transaction() as session:
        session.add(Department(code="a", name="A"))
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            session.add(Department(code="b", name="B"))
            raise RuntimeError
    assert len(commits) == 1


def make_app(database: Database) -> FastAPI:
    app = FastAPI()
    app.state.database = database

    @app.post("/departments/{code}")
    async def create(code: str, session: SessionDep) -> dict[str, str]:
        session.add(Department(code=code, name=code.upper()))
        return {"code": code}

    @app.post("/departments/{code}/fail")
    async def create_then_fail(code: str, session: SessionDep) -> dict[str, str]:
        session.add(Department(code=code, name=code.upper()))
        await session.flush()
        raise RuntimeError("handler failed after writing")

    return app


async def test_the_request_owns_the_transaction(database: Database) -> None:
    transport = httpx.ASGITransport(app=make_app(database), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.post("/departments/a")).status_code == 200
        assert await count(database, Department) == 1
        # the handler raised after flushing: nothing it wrote survives
        assert (await client.post("/departments/b/fail")).status_code == 500
        assert await count(database, Department) == 1
        # nothing fails until the commit (code "A" repeats the name "A"): the caller must
        # get an error, not a 200 for a write that never happened
        assert (await client.post("/departments/A")).status_code == 500
    assert await count(database, Department) == 1


async def test_migrating_creates_the_sqlite_folder(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'var' / 'db' / 'fresh.sqlite3'}"
    await migrate(url, MIGRATIONS)
    assert (tmp_path / "var" / "db" / "fresh.sqlite3").exists()


def _in_transaction(driver_connection: object) -> bool:
    # asyncpg has a method, aiosqlite (like sqlite3) a property.
    probe = getattr(driver_connection, "is_in_transaction", None)
    if callable(probe):
        return bool(probe())
    return bool(getattr(driver_connection, "in_transaction"))  # noqa: B009


async def test_a_statement_on_an_autocommit_connection_commits_by_itself(
    database: Database,
) -> None:
    async with database.autocommit() as connection:
        await connection.execute(insert(Department).values(code="d1", name="One"))
        # no commit: another connection already sees the row
        async with database.sessionmaker() as session:
            assert await session.scalar(select(Department.name)) == "One"
    async with database.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Department)) == 1


async def test_a_reader_and_an_autocommit_connection_run_each_statement_outside_a_transaction(
    database: Database,
) -> None:
    async with database.reader() as session:
        assert (await session.execute(select(func.count()).select_from(Department))).scalar() == 0
        raw = await (await session.connection()).get_raw_connection()
        assert not _in_transaction(raw.driver_connection)
    async with database.autocommit() as connection:
        assert (
            await connection.execute(select(func.count()).select_from(Department))
        ).scalar() == 0
        raw = await connection.get_raw_connection()
        assert not _in_transaction(raw.driver_connection)
    if database.is_sqlite:
        return  # pysqlite begins a transaction only before a write: a SELECT never has one
    async with database.sessionmaker() as session:
        await session.execute(select(func.count()).select_from(Department))
        raw = await (await session.connection()).get_raw_connection()
        assert _in_transaction(raw.driver_connection)  # the contrast: a plain session begins one
