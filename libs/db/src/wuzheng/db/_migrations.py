from __future__ import annotations

import asyncio
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from wuzheng.db._database import ensure_sqlite_directory


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
