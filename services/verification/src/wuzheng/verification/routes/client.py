"""Forwarding a verification request to its issuer: NATS request-reply in the mesh, HTTPS for
departments that registered a URL; per-issuer timeout, bounded retries, circuit breaker."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from pydantic import ValidationError

from wuzheng.contracts.verify import IssuerVerifyReply, IssuerVerifyRequest
from wuzheng.messaging import (
    InvalidReply,
    NatsConnection,
    NoResponders,
    NotConnected,
    RemoteProblem,
    RequestTimeout,
    Topology,
    request,
)
from wuzheng.verification.errors import IssuerAnswerInvalid, IssuerRefused, IssuerUnavailable
from wuzheng.verification.routes.health import Breakers
from wuzheng.verification.routes.views import RouteView
from wuzheng.verification.settings import VerificationSettings

logger = logging.getLogger("wuzheng.verification.client")


class _Transient(Exception):
    """Worth another attempt: the issuer did not answer, or answered with a 5xx."""


def _problem_status(problem: dict[str, Any]) -> int:
    status = problem.get("status")
    return status if isinstance(status, int) else 500


def _refused(issuer_code: str, problem: dict[str, Any]) -> IssuerRefused:
    detail = problem.get("detail") or problem.get("title") or "problem reply"
    return IssuerRefused(
        f"issuer {issuer_code} refused the request: {detail}",
        issuer_code=issuer_code,
        issuer_problem={
            k: v for k, v in problem.items() if k in ("type", "title", "status", "detail")
        },
    )


class IssuerClient:
    def __init__(
        self,
        settings: VerificationSettings,
        nats: NatsConnection,
        topology: Topology,
        breakers: Breakers,
    ) -> None:
        self.settings = settings
        self.nats = nats
        self.topology = topology
        self.breakers = breakers
        self.http: httpx.AsyncClient | None = None

    async def start(self) -> None:
        if self.http is None:
            self.http = httpx.AsyncClient(
                timeout=self.settings.issuer_timeout,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            )

    async def stop(self) -> None:
        http, self.http = self.http, None
        if http is not None:
            await http.aclose()

    def timeout_of(self, route: RouteView) -> float:
        return route.timeout_ms / 1000 if route.timeout_ms else self.settings.issuer_timeout

    async def ask(self, route: RouteView, question: IssuerVerifyRequest) -> str:
        """The issuer's signed answer (compact JWS, not yet verified).

        :class:`IssuerUnavailable` when the circuit is open or every attempt failed;
        :class:`IssuerRefused` when the issuer answered with a problem about the request.
        """
        code = route.issuer_code
        if not self.breakers.allow(code):
            health = self.breakers.health(code)
            raise IssuerUnavailable(
                f"issuer {code} is failing (circuit open after {health.consecutive_failures} "
                f"failures; last: {health.last_error})",
                issuer_code=code,
                circuit="open",
                retry_after_seconds=round(health.retry_after(self.breakers.open_seconds), 1),
            )
        payload = question.model_dump(mode="json", exclude_none=True)
        timeout = self.timeout_of(route)
        verdict = False
        try:
            error = "no attempt"
            for attempt in range(1 + self.settings.issuer_retries):
                if attempt:
                    await asyncio.sleep(self.settings.retry_backoff * attempt)
                try:
                    body = await self._send(route, payload, timeout)
                    answer = self._answer(code, body)
                except _Transient as exc:
                    error = str(exc)
                    continue
                except IssuerRefused:
                    self.breakers.success(code)  # it is up: it answered, with a refusal
                    verdict = True
                    raise
                self.breakers.success(code)
                verdict = True
                return answer
            self.breakers.failure(code, error)
            verdict = True
            raise IssuerUnavailable(
                f"issuer {code} did not answer ({error}) after "
                f"{1 + self.settings.issuer_retries} attempt(s)",
                issuer_code=code,
            )
        finally:
            if not verdict:
                self.breakers.release(code)

    def _answer(self, code: str, body: dict[str, Any]) -> str:
        try:
            reply = IssuerVerifyReply.model_validate(body)
        except ValidationError:
            raise _Transient("the reply is not an IssuerVerifyReply") from None
        if reply.problem is not None:
            if _problem_status(reply.problem) >= 500:
                raise _Transient(f"issuer problem {reply.problem.get('title')}")
            raise _refused(code, reply.problem)
        if not reply.answer:
            raise IssuerAnswerInvalid(
                f"issuer {code} replied without a signed answer", issuer_code=code
            )
        return reply.answer

    async def _send(
        self, route: RouteView, payload: dict[str, Any], seconds: float
    ) -> dict[str, Any]:
        if route.transport == "nats":
            assert route.subject is not None
            subject = self.topology.subject(route.subject)
            try:
                return await request(self.nats, subject, payload, timeout=seconds)
            except RemoteProblem as exc:
                if exc.status >= 500:
                    raise _Transient(f"issuer problem: {exc}") from None
                raise _refused(route.issuer_code, exc.problem) from None
            except (NoResponders, RequestTimeout, NotConnected, InvalidReply) as exc:
                raise _Transient(str(exc)) from None
        return await self._post(route, payload, seconds)

    async def _post(
        self, route: RouteView, payload: dict[str, Any], seconds: float
    ) -> dict[str, Any]:
        if self.http is None:
            raise _Transient("the HTTP client is not started")
        try:
            response = await self.http.post(route.verify_url, json=payload, timeout=seconds)
        except httpx.TimeoutException:
            raise _Transient(f"{route.verify_url}: no answer within {seconds}s") from None
        except httpx.HTTPError as exc:
            raise _Transient(f"{route.verify_url}: {type(exc).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 500:
            raise _Transient(f"{route.verify_url}: HTTP {response.status_code}")
        if not isinstance(body, dict):
            raise _Transient(f"{route.verify_url}: the reply is not a JSON object")
        if response.status_code >= 400:
            problem = body if "status" in body else {**body, "status": response.status_code}
            raise _refused(route.issuer_code, problem)
        return body

    async def fetch_jwks(self, url: str) -> dict[str, Any]:
        """GET a JWKS document; :class:`ValueError` when it cannot be had."""
        if self.http is None:
            raise ValueError("the HTTP client is not started")
        try:
            response = await self.http.get(url, timeout=self.settings.issuer_timeout)
        except httpx.HTTPError as exc:
            raise ValueError(f"{url}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise ValueError(f"{url}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise ValueError(f"{url}: not JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
            raise ValueError(f"{url}: not a JWK Set")
        return body
