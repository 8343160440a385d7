"""Bad-input sweep: schemathesis against every service's OpenAPI, over the running mesh.

For every operation, inputs that fit the schema and inputs that break it (schemathesis'
positive and negative generation), bounded: ``WUZHENG_SWEEP_EXAMPLES`` per operation and
mode (default 25), ``WUZHENG_SWEEP_BUDGET`` seconds per service (default 60), derandomised
so that a run is reproducible. Each request carries a token with every scope; a second pass
sends none. The checks, on every answer:

- never a 5xx;
- every 4xx is ``application/problem+json`` with ``type``, ``title`` and ``status`` (equal to
  the HTTP status).

Findings are collected per service, each with a curl reproducer, and fail the test: they
are bugs in the service, not in the sweep.
"""

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from wuzheng.auth import SCOPES, mint_token
from wuzheng.cli._journey_mesh import ALL_SERVICES, TestMesh

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("WUZHENG_SWEEP_EXAMPLES", "25"))
BUDGET_S = float(os.environ.get("WUZHENG_SWEEP_BUDGET", "60"))
NO_TOKEN_EXAMPLES = 5


@dataclass
class Finding:
    operation: str
    mode: str
    status: int
    problem: str
    response: str
    reproducer: str
    count: int = 1

    def __str__(self) -> str:
        return (
            f"- {self.operation} [{self.mode}] → {self.status}: {self.problem} "
            f"(×{self.count})\n    response: {self.response}\n    reproduce: {self.reproducer}"
        )


@dataclass
class Sweep:
    service: str
    base_url: str
    headers: dict[str, str]
    examples: int
    budget_s: float
    findings: dict[tuple[str, int, str], Finding] = field(default_factory=dict)
    sent: int = 0
    operations: int = 0
    skipped: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def out_of_time(self) -> bool:
        return time.monotonic() - self.started > self.budget_s

    def check(self, case: schemathesis.Case[Any], mode: str, response: Any) -> None:
        status = response.status_code
        problem = ""
        if status >= 500:
            problem = "server error"
        elif 400 <= status < 500:
            problem = _problem_shape(response)
        if not problem:
            return
        key = (case.operation.label, status, problem)
        if key in self.findings:
            self.findings[key].count += 1
            return
        self.findings[key] = Finding(
            case.operation.label, mode, status, problem, response.text[:300], self.curl(case)
        )

    def no_answer(self, case: schemathesis.Case[Any], mode: str, error: Exception) -> None:
        key = (case.operation.label, 0, type(error).__name__)
        if key not in self.findings:
            self.findings[key] = Finding(
                case.operation.label, mode, 0, f"no answer: {error!r}"[:200], "", self.curl(case)
            )

    def curl(self, case: schemathesis.Case[Any]) -> str:
        command = case.as_curl_command(headers=self.headers, base_url=self.base_url)
        return command.replace("Authorization: [Filtered]", "Authorization: Bearer $TOKEN")

    def run(self, schema: Any) -> None:
        session = requests.Session()
        for result in schema.get_all_operations():
            operation = result.ok()
            self.operations += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                if self.out_of_time:
                    self.skipped.append(f"{operation.label} [{mode.value}]")
                    continue
                self._run_one(operation, mode, session)

    def _run_one(self, operation: Any, mode: GenerationMode, session: requests.Session) -> None:
        @hypothesis.settings(
            max_examples=self.examples,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            verbosity=hypothesis.Verbosity.quiet,
        )
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def one(case: schemathesis.Case[Any]) -> None:
            if self.out_of_time:
                return
            self.sent += 1
            try:
                response = case.call(
                    base_url=self.base_url, session=session, headers=self.headers, timeout=15
                )
            except requests.RequestException as error:
                self.no_answer(case, mode.value, error)
            else:
                self.check(case, mode.value, response)

        # Unsatisfiable: no input of this mode exists (e.g. no parameter to break)
        with contextlib.suppress(Unsatisfiable):
            one()

    def report(self) -> str:
        took = time.monotonic() - self.started
        lines = [
            f"{self.service}: {self.operations} operations, {self.sent} requests in "
            f"{took:.1f}s, {len(self.findings)} finding(s)"
        ]
        if self.skipped:
            lines.append(f"  budget of {self.budget_s:.0f}s spent; not run: {self.skipped}")
        lines += [str(finding) for finding in self.findings.values()]
        return "\n".join(lines)


def _problem_shape(response: Any) -> str:
    """What is wrong with a 4xx answer; empty when it is a proper problem+json."""
    content_type = response.headers.get("content-type", "")
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    if not content_type.startswith("application/problem+json"):
        return f"4xx not application/problem+json ({content_type or 'no content type'})"
    try:
        body = json.loads(response.text)
    except ValueError:
        return "problem+json body is not JSON"
    if not isinstance(body, dict):
        return "problem+json body is not an object"
    missing = [k for k in ("type", "title", "status") if k not in body]
    if missing:
        return f"problem+json without {', '.join(missing)}"
    if body["status"] != response.status_code:
        return f"problem status {body['status']} differs from HTTP {response.status_code}"
    return ""


def _schema(url: str) -> Any:
    raw = requests.get(f"{url}/openapi.json", timeout=15).json()
    return schemathesis.openapi.from_dict(raw)


@pytest.fixture(scope="module")
def every_scope(mesh: TestMesh) -> dict[str, str]:
    token = mint_token(
        mesh.var_dir, department="public-security", scopes=list(SCOPES), operator="sweep"
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def findings() -> Iterator[list[str]]:
    collected: list[str] = []
    yield collected
    if collected:
        print("\n\nSWEEP FINDINGS\n" + "\n".join(collected))


@pytest.mark.parametrize("service", ALL_SERVICES)
def test_no_5xx_and_every_4xx_is_problem_json(
    mesh: TestMesh, every_scope: dict[str, str], findings: list[str], service: str
) -> None:
    url = mesh.url(service)
    sweep = Sweep(service, url, every_scope, EXAMPLES, BUDGET_S)
    sweep.run(_schema(url))
    print("\n" + sweep.report())
    if sweep.findings:
        findings.append(sweep.report())
    assert sweep.sent > sweep.operations, "the sweep sent (almost) nothing"
    assert not sweep.findings, sweep.report()


@pytest.mark.parametrize("service", ALL_SERVICES)
def test_without_a_token(mesh: TestMesh, findings: list[str], service: str) -> None:
    url = mesh.url(service)
    sweep = Sweep(service, url, {}, NO_TOKEN_EXAMPLES, BUDGET_S / 3)
    sweep.run(_schema(url))
    print("\n" + sweep.report())
    if sweep.findings:
        findings.append(sweep.report())
    assert not sweep.findings, sweep.report()
