"""A database connection lost under a request is a 503 with Retry-After, and the next
request gets a fresh connection; any other database error stays a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from wuzheng.db import Database, PoolSettings, is_sqlite
from wuzheng.service import install_database_problems
from wuzheng.web._problems import install_problem_handlers


def _app(database: Database) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_database_problems(app)

    @app.get("/one")
    async def one() -> dict[str, int]:
        async with database.reader() as session:
            return {"one": int((await session.execute(text("SELECT 1"))).scalar_one())}

    @app.get("/bad-sql")
    async def bad_sql() -> dict[str, int]:
        async with database.reader() as session:
            await session.execute(text("SELECT * FROM no_such_table"))
        return {}

    return app


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if is_sqlite(database_url):
        pytest.skip("a SQLite file has no server connection to lose")
    return database_url


async def _terminate_backends(url: str) -> int:
    """Drop every server connection to the database at ``url`` (as a restart would)."""
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            killed = await connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": make_url(url).database},
            )
    finally:
        await admin.dispose()
    return int(killed or 0)


@pytest.fixture
async def client_of() -> AsyncIterator[object]:
    opened: list[Database] = []

    def make(url: str, pool: PoolSettings) -> httpx.AsyncClient:
        database = Database(url, pool=pool)
        opened.append(database)
        transport = httpx.ASGITransport(app=_app(database), raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://probe")

    yield make
    for database in opened:
        await database.stop()


async def test_a_lost_connection_is_a_503_then_a_fresh_connection(
    postgres_url: str, client_of: object
) -> None:
    client = client_of(postgres_url, PoolSettings(size=1, overflow=0))  # type: ignore[operator]
    async with client:
        assert (await client.get("/one")).json() == {"one": 1}
        assert await _terminate_backends(postgres_url) >= 1

        lost = await client.get("/one")
        assert lost.status_code == 503
        assert lost.headers["Retry-After"] == "1"
        assert lost.headers["Content-Type"].startswith("application/problem+json")
        assert lost.json()["type"].endswith("/database-unavailable")

        again = await client.get("/one")
        assert again.status_code == 200, again.text


async def test_with_pre_ping_no_request_sees_the_loss(postgres_url: str, client_of: object) -> None:
    client = client_of(postgres_url, PoolSettings(size=1, overflow=0, pre_ping=True))  # type: ignore[operator]
    async with client:
        assert (await client.get("/one")).status_code == 200
        assert await _terminate_backends(postgres_url) >= 1
        assert (await client.get("/one")).status_code == 200


async def test_a_statement_error_is_not_mistaken_for_a_lost_connection(
    database_url: str, client_of: object
) -> None:
    client = client_of(database_url, PoolSettings(size=1, overflow=0))  # type: ignore[operator]
    async with client:
        response = await client.get("/bad-sql")
    assert response.status_code == 500
