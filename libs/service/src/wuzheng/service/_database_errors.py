"""A lost database connection is a 503 the caller may retry, not an anonymous 500.

Without a pre-ping (see :class:`wuzheng.db.PoolSettings`), the first statement on a
connection the database dropped — after a restart or a failover — fails; SQLAlchemy then
replaces the pool, so the next request gets a fresh connection. That one request is told so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import ClassVar, Final

from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import DBAPIError

from wuzheng.contracts.problems import ServiceUnavailable
from wuzheng.web import render_problem

logger = logging.getLogger("wuzheng.service.database")

RETRY_AFTER_SECONDS: Final = 1


class DatabaseUnavailable(ServiceUnavailable):
    slug = "database-unavailable"
    title = "Database unavailable"
    headers: ClassVar[Mapping[str, str]] = {"Retry-After": str(RETRY_AFTER_SECONDS)}


def is_connection_lost(exc: BaseException) -> bool:
    """A failure of the connection, not of the statement: SQLAlchemy's dialect recognised a
    disconnect (an OperationalError alone may be bad SQL on SQLite, or a deadlock)."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def _on_database_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DBAPIError)
    if not is_connection_lost(exc):
        raise exc  # a real bug: the last-resort middleware logs it and answers 500
    logger.warning("database connection lost in %s %s: %s", request.method, request.url.path, exc)
    problem = DatabaseUnavailable(
        "the database connection was lost; retry the request",
        retry_after_seconds=RETRY_AFTER_SECONDS,
    )
    return render_problem(problem, request.url.path)


def install_database_problems(app: FastAPI) -> None:
    app.add_exception_handler(DBAPIError, _on_database_error)
