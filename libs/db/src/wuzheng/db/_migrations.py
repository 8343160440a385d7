from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config, create_async_engine

from wuzheng.db._database import ensure_sqlite_directory

T = TypeVar("T")


def _config(url: str, migrations_package: str) -> Config:
    config = Config()
    if "/" in migrations_package:  # a folder on disk (tests)
        config.set_main_option("script_location", migrations_package)
    else:
        # "package:folder" lets alembic find the scripts inside an installed wheel too.
        package, _, folder = migrations_package.rpartition(".")
        config.set_main_option("script_location", f"{package}:{folder}")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def migrate_sync(url: str, migrations_package: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision`` with the given service's migrations.

    ``migrations_package`` is the dotted name of the folder holding ``env.py``, e.g.
    ``wuzheng.catalog.migrations`` (or a filesystem path containing ``/``).
    """
    ensure_sqlite_directory(url)
    command.upgrade(_config(url, migrations_package), revision)


async def migrate(url: str, migrations_package: str, revision: str = "head") -> None:
    """:func:`migrate_sync` from async code (alembic's async env runs its own loop)."""
    await asyncio.to_thread(migrate_sync, url, migrations_package, revision)


def head_revisions(migrations_package: str) -> set[str]:
    """The head revision(s) of a service's migration scripts."""
    return set(ScriptDirectory.from_config(_config("", migrations_package)).get_heads())


async def run_on_connection(url: str, work: Callable[[Connection], T]) -> T:
    """``work(connection)`` on a short-lived synchronous connection to ``url``: for the
    inspections alembic and ``sqlalchemy.inspect`` only do synchronously."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


async def current_revisions(url: str) -> set[str]:
    """The revision(s) the database at ``url`` is at (empty: never migrated)."""

    def read(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    return await run_on_connection(url, read)


async def downgrade(url: str, migrations_package: str, revision: str) -> None:
    """Take the database at ``url`` back to ``revision`` (running each ``downgrade()`` on
    the way): what an operator rolling a release back, and the migration tests, use."""
    await asyncio.to_thread(command.downgrade, _config(url, migrations_package), revision)


def _run(connection: Connection, target_metadata: MetaData | list[MetaData]) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch ALTERs
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(config: Config, target_metadata: MetaData | list[MetaData]) -> None:
    section: dict[str, Any] = config.get_section(config.config_ini_section, {})
    engine = async_engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run, target_metadata)
    finally:
        await engine.dispose()


def run_alembic_env(target_metadata: MetaData | list[MetaData]) -> None:
    """The whole body of a service's ``migrations/env.py``."""
    config = context.config
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(config, target_metadata))
