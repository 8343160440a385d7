"""Finding what issuer answers need, many questions to one statement.

Every verification in the mesh ends in one lookup here: the issuer's active key, the licence
asked for (by identifier, or the newest version of a 证照编号) and whether an objection is
open on it. One SELECT per answer costs a connection checkout, a round trip and PostgreSQL's
execution each time. Questions that arrive while a statement is in flight wait for the next
one, which carries all of them (up to ``max_batch``); a question on its own goes at once, so
an idle issuer adds no delay and a busy one needs fewer statements.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from wuzheng.contracts.verify import IssuerVerifyRequest
from wuzheng.db import Database
from wuzheng.issuance.disputes.models import Objection
from wuzheng.issuance.issuers.models import Issuer
from wuzheng.issuance.licences.models import Licence

__all__ = ["Found", "LicenceLookup"]


@dataclass(frozen=True)
class Found:
    """What an answer reads: ``licence`` is a row of the :data:`LICENCE_COLUMNS` (None: no
    such licence of this issuer), not an entity, so no session is needed to use it."""

    active_kid: str | None
    licence: sa.Row[Any] | None
    under_objection: bool


LICENCE_COLUMNS = (
    Licence.id,
    Licence.type_code,
    Licence.serial,
    Licence.version,
    Licence.licence_no,
    Licence.holder,
    Licence.status,
    Licence.valid_from,
    Licence.valid_until,
    Licence.superseded_by,
    Licence.document,
)
_UNDER_OBJECTION = (
    sa.select(Objection.dispute_id)
    .where(Objection.licence_id == Licence.id, Objection.closed_at.is_(None))
    .exists()
    .label("under_objection")
)


def _statement(questions: Sequence[IssuerVerifyRequest]) -> sa.Select[Any]:
    """Every issuer asked about with its key, joined to the licences any question names: by
    (type, serial, version), or every version of (type, 证照编号). An issuer none of whose
    licences matched still gives one row, with NULL licence columns."""
    by_id = sorted(
        {
            (q.licence_id.type_code, q.licence_id.serial, q.licence_id.version)
            for q in questions
            if q.licence_id
        }
    )
    by_number = sorted(
        {(str(q.type_code), q.licence_no) for q in questions if q.licence_id is None}
    )
    wanted: list[sa.ColumnElement[bool]] = []
    if by_id:
        wanted.append(sa.tuple_(Licence.type_code, Licence.serial, Licence.version).in_(by_id))
    if by_number:
        wanted.append(sa.tuple_(Licence.type_code, Licence.licence_no).in_(by_number))
    return (
        sa.select(Issuer.issuer_code.label("asked"), Issuer.active_kid, _UNDER_OBJECTION)
        .add_columns(*LICENCE_COLUMNS)
        .select_from(Issuer)
        .outerjoin(Licence, sa.and_(Licence.issuer_code == Issuer.issuer_code, sa.or_(*wanted)))
        .where(Issuer.issuer_code.in_(sorted({str(q.issuer_code) for q in questions})))
    )


def _answers(
    questions: Sequence[IssuerVerifyRequest], rows: Sequence[sa.Row[Any]]
) -> list[Found | None]:
    keys: dict[str, str | None] = {}
    by_id: dict[tuple[str, str, str, int], sa.Row[Any]] = {}
    newest: dict[tuple[str, str, str], sa.Row[Any]] = {}
    for row in rows:
        keys[row.asked] = row.active_kid
        if row.id is None:
            continue
        by_id[(row.asked, row.type_code, row.serial, row.version)] = row
        number = (row.asked, row.type_code, row.licence_no)
        if number not in newest or newest[number].version < row.version:
            newest[number] = row
    found: list[Found | None] = []
    for question in questions:
        issuer = str(question.issuer_code)
        if issuer not in keys:
            found.append(None)  # no such issuer here
            continue
        lid = question.licence_id
        if lid is None:
            licence = newest.get((issuer, str(question.type_code), question.licence_no or ""))
        elif lid.issuer_code != issuer:
            licence = None  # an identifier of another issuer is never found here
        else:
            licence = by_id.get((issuer, lid.type_code, lid.serial, lid.version))
        objection = bool(licence.under_objection) if licence is not None else False
        found.append(Found(keys[issuer], licence, objection))
    return found


@dataclass(eq=False)
class _Question:
    request: IssuerVerifyRequest
    reply: asyncio.Future[Found | None]


class LicenceLookup:
    """Coalesces concurrent lookups into as few statements as the load allows."""

    def __init__(self, database: Database, *, max_batch: int = 100) -> None:
        self.database = database
        self.max_batch = max_batch
        self.statements = 0  # how many were run, for tests and curiosity
        self._waiting: list[_Question] = []
        self._worker: asyncio.Task[None] | None = None

    async def find(self, request: IssuerVerifyRequest) -> Found | None:
        """What the answer to ``request`` needs; None when the issuer is not known here.
        The database's errors reach every question of the statement that failed."""
        question = _Question(request, asyncio.get_running_loop().create_future())
        self._waiting.append(question)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(), name="licence-lookup")
        return await question.reply

    async def _drain(self) -> None:
        while self._waiting:
            batch = [q for q in self._waiting[: self.max_batch] if not q.reply.done()]
            del self._waiting[: self.max_batch]
            if not batch:
                continue
            try:
                found = await self._run([q.request for q in batch])
            except Exception as exc:  # the next batch may fare better (a reconnect, say)
                for question in batch:
                    if not question.reply.done():
                        question.reply.set_exception(exc)
                continue
            except BaseException:  # cancelled: stopping
                self._cancel([*batch, *self._waiting])
                self._waiting = []
                raise
            for question, result in zip(batch, found, strict=True):
                if not question.reply.done():
                    question.reply.set_result(result)

    async def _run(self, requests: Sequence[IssuerVerifyRequest]) -> list[Found | None]:
        self.statements += 1
        async with self.database.autocommit() as connection:
            rows = (await connection.execute(_statement(requests))).all()
        return _answers(requests, rows)

    @staticmethod
    def _cancel(questions: Sequence[_Question]) -> None:
        for question in questions:
            question.reply.cancel()  # a no-op on those already answered

    async def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None and not worker.done():
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._cancel(self._waiting)
        self._waiting = []
