"""Pytest fixtures for database tests, registered by the root ``conftest.py``.

``database_url`` is a fresh, empty database per test (``database_factory.create(name)``
makes more): a SQLite file under the test's tmp
dir by default, or a scratch PostgreSQL database (created, then dropped) when
``WUZHENG_TEST_POSTGRES`` names an admin URL such as
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from wuzheng.db._migrations import run_on_connection

POSTGRES_ENV = "WUZHENG_TEST_POSTGRES"


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


async def create_scratch_database(admin_url: str, prefix: str = "wz_test") -> str:
    """Create an empty PostgreSQL database and return its URL."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


def sqlite_url(directory: Path, name: str = "test") -> str:
    return f"sqlite+aiosqlite:///{directory / f'{name}.sqlite3'}"


class DatabaseFactory:
    """Fresh, empty databases for one test (several services each need their own)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.admin_url = postgres_admin_url()
        self._created: list[str] = []

    async def create(self, name: str = "test") -> str:
        if self.admin_url is None:
            url = sqlite_url(self.directory, name)
        else:
            url = await create_scratch_database(self.admin_url, prefix=f"wz_{name}")
        self._created.append(url)
        return url

    async def drop_all(self) -> None:
        if self.admin_url is not None:
            for url in self._created:
                await drop_database(self.admin_url, url)
        self._created.clear()


@pytest.fixture
async def database_factory(tmp_path: Path) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path)
    try:
        yield factory
    finally:
        await factory.drop_all()


@pytest.fixture
async def database_url(database_factory: DatabaseFactory) -> str:
    return await database_factory.create()


async def schema_differences(database_url: str, *metadata: MetaData) -> list[Any]:
    """What alembic's autogenerate would change to make the database at ``database_url``
    match ``metadata`` (types compared too): ``[]`` when the migrations build exactly the
    tables the models describe."""

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        # compare_metadata takes a list of MetaData too (its stub says one).
        return list(compare_metadata(context, list(metadata)))  # type: ignore[arg-type]

    return await run_on_connection(database_url, compare)
