"""The NATS side of issuer verification: one responder on ``verify.*`` (queue group
``issuance``, so replicas share the load) answering for every issuer served here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from wuzheng.issuance.context import IssuanceContext
from wuzheng.issuance.errors import FieldError, invalid
from wuzheng.issuance.verify.service import answer, parse_request
from wuzheng.messaging import RequestHandler, Responder
from wuzheng.service import ServiceRuntime

QUEUE_GROUP: Final = "issuance"


def handler(ctx: IssuanceContext) -> RequestHandler:
    async def handle(subject: str, body: dict[str, Any]) -> Mapping[str, Any]:
        issuer_code = subject.rsplit(".", 1)[-1]
        request = parse_request(body, location="request")
        if str(request.issuer_code) != issuer_code:
            raise invalid(
                [
                    FieldError(
                        "request.issuer_code",
                        f"asked on verify.{issuer_code} about issuer {request.issuer_code}",
                        "issuer_mismatch",
                    )
                ]
            )
        reply = await answer(ctx, request)
        return reply.model_dump(mode="json", exclude_none=True)

    return handle


# Answers in progress at once. They share lookup statements (verify/lookup.py) rather than
# holding a connection each, so more at once means fuller statements, not more connections.
ANSWERS_AT_ONCE: Final = 128


def verify_responder(runtime: ServiceRuntime, ctx: IssuanceContext) -> Responder:
    return Responder(
        runtime.nats,
        runtime.subject("verify.*"),
        handler(ctx),
        queue=QUEUE_GROUP,
        concurrency=ANSWERS_AT_ONCE,
    )
