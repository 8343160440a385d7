"""The hand-written migrations create exactly the tables the models describe."""

from __future__ import annotations

from wuzheng.db import migrate
from wuzheng.db.testing import schema_differences
from wuzheng.issuance.app import DEFINITION
from wuzheng.issuance.models import Base, load_models
from wuzheng.messaging import messaging_metadata


async def test_migrations_match_the_models(database_url: str) -> None:
    load_models()
    await migrate(database_url, DEFINITION.migrations_package)
    assert await schema_differences(database_url, Base.metadata, messaging_metadata) == []
