"""Forwarding a verification request to its issuer: NATS request-reply in the mesh, HTTPS for
departments that registered a URL (with the route's credential: a bearer token or a client
certificate, read from the route secrets directory); per-issuer timeout, bounded retries,
circuit breaker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

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
from wuzheng.verification.routes.credentials import (
    CredentialProblem,
    RouteCredential,
    SecretFiles,
    TlsIdentity,
    trusted_context,
)
from wuzheng.verification.routes.health import Breakers
from wuzheng.verification.routes.views import RouteView
from wuzheng.verification.settings import VerificationSettings

logger = logging.getLogger("wuzheng.verification.client")


class _Transient(Exception):
    """Worth another attempt: the issuer did not answer, or answered with a 5xx."""


class _Rejected(Exception):
    """The endpoint refused this service itself (HTTP 401/403): the route's credential is
    missing or wrong. Not worth another attempt, and not the caller's doing."""


class _Unreachable(Exception):
    """This call failed for want of the issuer (or of the route's credential): it counts
    against the issuer's circuit. ``error`` goes to the route's health, ``message`` to the
    caller."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


@dataclass(eq=False)
class _Pooled:
    """The HTTP client presenting one client certificate; retired when the files change,
    closed once the requests still using it are done."""

    identity: TlsIdentity
    http: httpx.AsyncClient
    in_flight: int = 0


@dataclass
class _Channel:
    """How one call reaches a route's endpoint: the client to use and the headers to add."""

    http: httpx.AsyncClient
    headers: dict[str, str] = field(default_factory=dict)
    pooled: _Pooled | None = None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (parts.scheme, (parts.hostname or "").lower(), parts.port)


def _rejection(route: RouteView, status: int) -> str:
    credential = route.credential
    if credential is None:
        return (
            f"{route.verify_url}: HTTP {status}, the endpoint requires credentials and the "
            "route has none (register the route with a credential)"
        )
    return (
        f"{route.verify_url}: HTTP {status}, the endpoint refused the route's "
        f"{credential.describe()} (wrong or expired: replace the file)"
    )


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
        self.secrets = SecretFiles(
            settings.resolved_route_secrets_dir, settings.resolved_issuer_ca_bundle
        )
        self.http: httpx.AsyncClient | None = None
        # one client per distinct client certificate (ref, key_ref)
        self._tls: dict[tuple[str, str | None], _Pooled] = {}
        self._retired: list[_Pooled] = []  # replaced, still used by requests in flight
        self._closing: set[asyncio.Task[None]] = set()

    def _new_http(self, verify: ssl.SSLContext | None = None) -> httpx.AsyncClient:
        if verify is None:
            verify = trusted_context(self.settings.resolved_issuer_ca_bundle)
        return httpx.AsyncClient(
            timeout=self.settings.issuer_timeout,
            follow_redirects=False,  # a credential never follows a redirect elsewhere
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            verify=verify,
        )

    def _default_http(self) -> httpx.AsyncClient:
        if self.http is None:
            self.http = self._new_http()
        return self.http

    async def start(self) -> None:
        self._default_http()

    async def stop(self) -> None:
        http, self.http = self.http, None
        pooled = [*self._tls.values(), *self._retired]
        self._tls, self._retired = {}, []
        closing, self._closing = list(self._closing), set()
        await asyncio.gather(*closing, return_exceptions=True)
        if http is not None:
            await http.aclose()
        for each in pooled:
            await each.http.aclose()

    def _close_when_idle(self, pooled: _Pooled) -> None:
        """Close a retired client once no request uses it (a current one stays open)."""
        if pooled.in_flight or pooled not in self._retired:
            return
        self._retired.remove(pooled)
        task = asyncio.get_running_loop().create_task(pooled.http.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _tls_client(self, credential: RouteCredential) -> _Pooled:
        identity = self.secrets.tls_identity(credential)
        slot = (credential.ref, credential.key_ref)
        pooled = self._tls.get(slot)
        if pooled is not None and pooled.identity is identity:
            return pooled
        if pooled is not None:  # the files changed: new connections present the new ones
            self._retired.append(pooled)
            self._close_when_idle(pooled)
            logger.info("client certificate %r of a route changed: reloaded", credential.ref)
        pooled = self._tls[slot] = _Pooled(identity, self._new_http(identity.context))
        return pooled

    @contextlib.contextmanager
    def _channel(self, route: RouteView, url: str) -> Iterator[_Channel]:
        """The client and headers for a call to ``url`` of an https route, with the route's
        credential; :class:`CredentialProblem` when its secret cannot be used. A bearer token
        goes only to the route's own origin (a JWKS URL elsewhere gets none)."""
        credential = route.credential
        if credential is None:
            yield _Channel(self._default_http())
            return
        if credential.kind == "bearer":
            headers: dict[str, str] = {}
            if route.url is not None and _origin(url) == _origin(route.url):
                headers["Authorization"] = f"Bearer {self.secrets.bearer_token(credential.ref)}"
            yield _Channel(self._default_http(), headers)
            return
        pooled = self._tls_client(credential)
        pooled.in_flight += 1
        try:
            yield _Channel(pooled.http, pooled=pooled)
        finally:
            pooled.in_flight -= 1
            self._close_when_idle(pooled)

    def timeout_of(self, route: RouteView) -> float:
        return route.timeout_ms / 1000 if route.timeout_ms else self.settings.issuer_timeout

    async def ask(self, route: RouteView, question: IssuerVerifyRequest) -> str:
        """The issuer's signed answer (compact JWS, not yet verified).

        :class:`IssuerUnavailable` when the circuit is open or every attempt failed;
        :class:`IssuerRefused` when the issuer answered with a problem about the request.
        """
        code = route.issuer_code
        self._check_circuit(code)
        payload = question.model_dump(mode="json", exclude_none=True)
        with contextlib.ExitStack() as stack:
            try:
                channel = self._open(route, stack)
                answer = await self._attempts(route, payload, channel)
            except _Unreachable as exc:
                self.breakers.failure(code, exc.error)
                raise IssuerUnavailable(exc.message, issuer_code=code) from None
            except IssuerRefused:
                self.breakers.success(code)  # it is up: it answered, with a refusal
                raise
            except BaseException:  # cancelled, or an answer we cannot judge the issuer by
                self.breakers.release(code)
                raise
        self.breakers.success(code)
        return answer

    def _check_circuit(self, code: str) -> None:
        if self.breakers.allow(code):
            return
        health = self.breakers.health(code)
        raise IssuerUnavailable(
            f"issuer {code} is failing (circuit open after {health.consecutive_failures} "
            f"failures; last: {health.last_error})",
            issuer_code=code,
            circuit="open",
            retry_after=self.breakers.retry_after(code),
        )

    def _open(self, route: RouteView, stack: contextlib.ExitStack) -> _Channel | None:
        """The channel of an https route (None for NATS), closed with ``stack``."""
        if route.transport != "https":
            return None
        try:
            return stack.enter_context(self._channel(route, route.verify_url))
        except CredentialProblem as exc:
            error = f"route credential: {exc}"
            message = f"issuer {route.issuer_code} cannot be called: {error}"
            raise _Unreachable(error, message) from None

    async def _attempts(
        self, route: RouteView, payload: dict[str, Any], channel: _Channel | None
    ) -> str:
        code = route.issuer_code
        attempts = 1 + self.settings.issuer_retries
        error = "no attempt"
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.settings.retry_backoff * attempt)
            try:
                body = await self._send(route, payload, self.timeout_of(route), channel)
                return self._answer(code, body)
            except _Transient as exc:
                error = str(exc)
            except _Rejected as exc:
                raise _Unreachable(str(exc), f"issuer {code} refused this service: {exc}") from None
        raise _Unreachable(
            error, f"issuer {code} did not answer ({error}) after {attempts} attempt(s)"
        )

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
        self,
        route: RouteView,
        payload: dict[str, Any],
        seconds: float,
        channel: _Channel | None,
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
        assert channel is not None
        return await self._post(route, payload, seconds, channel)

    async def _post(
        self, route: RouteView, payload: dict[str, Any], seconds: float, channel: _Channel
    ) -> dict[str, Any]:
        try:
            response = await channel.http.post(
                route.verify_url, json=payload, timeout=seconds, headers=channel.headers
            )
        except httpx.TimeoutException:
            raise _Transient(f"{route.verify_url}: no answer within {seconds}s") from None
        except httpx.HTTPError as exc:
            raise _Transient(f"{route.verify_url}: {type(exc).__name__}") from None
        if response.status_code in (401, 403):
            raise _Rejected(_rejection(route, response.status_code))
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

    async def fetch_jwks(self, url: str, route: RouteView | None = None) -> dict[str, Any]:
        """GET a JWKS document — of an https ``route``: with its credential; :class:`ValueError`
        when it cannot be had."""
        try:
            with contextlib.ExitStack() as stack:
                channel = (
                    stack.enter_context(self._channel(route, url))
                    if route is not None and route.transport == "https"
                    else _Channel(self._default_http())
                )
                response = await channel.http.get(
                    url, timeout=self.settings.issuer_timeout, headers=channel.headers
                )
        except CredentialProblem as exc:
            raise ValueError(f"{url}: route credential: {exc}") from None
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
