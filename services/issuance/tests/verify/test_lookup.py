"""The answers' lookup: concurrent questions share statements and get what each would alone."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from wuzheng.contracts.verify import IssuerVerifyRequest
from wuzheng.db import Database
from wuzheng.issuance.context import context_of
from wuzheng.issuance.testing import (
    BUSINESS_LICENCE,
    business_licence_fields,
    credit_code,
    organisation,
)
from wuzheng.issuance.verify.lookup import Found, LicenceLookup
from wuzheng.issuance.verify.service import answer
from wuzheng.service.testing import RunningService

MARKET = "market-regulation"
MARKET_ISSUER = "11370784PH3724083H"
POLICE_ISSUER = "11370784PH40135152"
UNKNOWN_ISSUER = str(credit_code(77))  # a well-formed code no issuer here has


async def _issued(issuance: RunningService, n: int) -> dict[str, Any]:
    response = await issuance.client.post(
        "/v1/licences",
        json={
            "type_code": BUSINESS_LICENCE,
            "holder": organisation(n),
            "fields": business_licence_fields(n),
            "valid_from": "2024-01-01",
        },
        headers={**issuance.auth(MARKET, "licences:issue"), "Idempotency-Key": f"lookup-{n}"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _question(issuer: str, **members: Any) -> IssuerVerifyRequest:
    return IssuerVerifyRequest.model_validate(
        {
            "issuer_code": issuer,
            "holder": str(organisation(1)),
            "purpose": "test",
            "caller_department": "administrative-approval",
            "operator_id": "op",
            "nonce": "n" * 16,
            **members,
        }
    )


def _summary(found: Found | None) -> tuple[str | None, str | None, bool] | None:
    if found is None:
        return None
    return (found.active_kid, found.licence.id if found.licence else None, found.under_objection)


async def _questions(issuance: RunningService) -> tuple[list[IssuerVerifyRequest], str]:
    """Questions of every kind about five licences, and the id of the first's new version."""
    licences = [await _issued(issuance, n) for n in range(1, 6)]
    amended = await issuance.client.post(
        f"/v1/licences/{licences[0]['licence_id']}/amendments",
        json={"fields": {"address": "新址"}, "reason": "r"},
        headers=issuance.auth(MARKET, "licences:issue"),
    )
    assert amended.status_code == 201, amended.text
    questions = []
    for licence in licences:
        lid = licence["licence_id"]
        questions += [
            _question(MARKET_ISSUER, licence_id=lid),
            _question(MARKET_ISSUER, licence_no=licence["licence_no"], type_code=BUSINESS_LICENCE),
            # another issuer's identifier asked of this one, and this one's of another
            _question(POLICE_ISSUER, licence_id=lid.replace(MARKET_ISSUER, POLICE_ISSUER)),
            _question(POLICE_ISSUER, licence_id=lid),
            _question(UNKNOWN_ISSUER, licence_id=lid.replace(MARKET_ISSUER, UNKNOWN_ISSUER)),
        ]
    questions.append(_question(MARKET_ISSUER, licence_no="no-such", type_code=BUSINESS_LICENCE))
    return questions, str(amended.json()["licence_id"])


async def test_concurrent_questions_share_statements_and_get_the_same_answers(
    issuance: RunningService,
) -> None:
    ctx = context_of(issuance.runtime)
    lookup = ctx.lookup
    questions, newest = await _questions(issuance)
    await answer(ctx, questions[2])  # the police issuer gets its keys: nothing lazy left

    alone = []
    before = lookup.statements
    for question in questions:
        alone.append(_summary(await lookup.find(question)))
    assert lookup.statements - before == len(questions)  # one at a time: one statement each

    before = lookup.statements
    together = [_summary(f) for f in await asyncio.gather(*map(lookup.find, questions))]
    assert together == alone
    assert lookup.statements - before == 1  # all were waiting before the first statement ran

    small = LicenceLookup(issuance.runtime.database, max_batch=7)
    assert [_summary(f) for f in await asyncio.gather(*map(small.find, questions))] == alone
    assert small.statements == math.ceil(len(questions) / 7)

    # What the answers say: by number the newest version; nothing across issuers.
    first_by_id, first_by_number, cross, other, unknown = alone[:5]
    assert first_by_id is not None
    assert first_by_number is not None
    assert first_by_id[1] == questions[0].licence_id
    assert first_by_number[1] == newest
    assert cross is not None
    assert cross[0] is not None  # the police issuer is here, with a key...
    assert cross[1] is None  # ...and no such licence
    assert other is not None
    assert other[1] is None
    assert unknown is None  # no such issuer here
    assert alone[-1] is not None
    assert alone[-1][1] is None


async def test_a_failed_statement_fails_its_questions_and_not_the_lookup() -> None:
    nowhere = Database("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    lookup = LicenceLookup(nowhere)
    try:
        questions = [
            _question(MARKET_ISSUER, licence_no=f"n{i}", type_code=BUSINESS_LICENCE)
            for i in range(5)
        ]
        outcomes = await asyncio.gather(*map(lookup.find, questions), return_exceptions=True)
        assert all(isinstance(outcome, ConnectionRefusedError) for outcome in outcomes), outcomes
        assert lookup.statements == 1
        with pytest.raises(ConnectionRefusedError):  # the next question gets a statement of its own
            await lookup.find(questions[0])
        assert lookup.statements == 2
    finally:
        await lookup.stop()
        await nowhere.stop()


async def test_a_caller_that_gives_up_does_not_disturb_the_others(
    issuance: RunningService,
) -> None:
    lookup = LicenceLookup(issuance.runtime.database)
    licence = await _issued(issuance, 1)
    question = _question(MARKET_ISSUER, licence_id=licence["licence_id"])
    impatient = asyncio.create_task(lookup.find(question))
    patient = asyncio.create_task(lookup.find(question))
    await asyncio.sleep(0)  # both are waiting; the statement has not run yet
    impatient.cancel()
    found = await patient
    assert found is not None
    assert found.licence is not None
    assert found.licence.id == licence["licence_id"]
    assert impatient.cancelled()

    waiting = asyncio.create_task(lookup.find(question))
    await asyncio.sleep(0)
    await lookup.stop()  # stopping cancels what still waits: nobody is left hanging
    with pytest.raises(asyncio.CancelledError):
        await waiting
