from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from wuzheng.db._database import Database


def get_database(request: Request) -> Database:
    database = request.app.state.database
    assert isinstance(database, Database)
    return database


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session: commits after the handler, rolls back if anything raised."""
    async with get_database(request).transaction() as session:
        yield session


# scope="function": the commit happens when the handler returns, before the response is
# sent, so a failed commit becomes an error response instead of a lie.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

# For a handler that runs more than one transaction (one that may roll back, then another
# that records what happened): it opens them itself with ``database.transaction()``.
DatabaseDep = Annotated[Database, Depends(get_database)]
