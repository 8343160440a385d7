"""The whole journey of a licence, over HTTP against a running mesh.

Shared by ``wuzheng demo`` (``make demo``) and the end-to-end tests: the same calls, in the
same order, each printed as it is made (method, URL, a summary of the body, the status) with
what it returned, and every result kept in a :class:`JourneyResult` that a test can assert on.

1. the mesh answers ``/readyz``; dev tokens are minted for the departments involved;
2. the catalog names the 居民身份证 and 营业执照 licence types and the service item;
   its events reach the read models of issuance, verification, rescode and dispute;
3. public security issues a 居民身份证 to a resident, market regulation a 营业执照 to a company;
4. the 爱山东 backend gets the resident code (QR in the terminal, PNG under ``var/demo/``);
5. a counter scans it for the item (identity only), the holder consents, and the counter's
   evidence request shows every material satisfied;
6. the licences are verified, each routed to its issuer (mode ``online``);
7. a dispute about a wrong field is filed and resolved with a correction: the issuer amends
   the licence and the department that verified the old version is told;
8. the holder's access log lists every use.

Each run uses a new resident and a new company, so it can be repeated against one mesh.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
import segno
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from stdnum.cn import ric, uscc

from wuzheng.auth import mint_token
from wuzheng.cli._services import SERVICES
from wuzheng.contracts import CreditCode, HolderCode, IdentifierError, LicenceId, ResidentId

__all__ = [
    "Call",
    "JourneyError",
    "JourneyResult",
    "MeshNotRunning",
    "MeshUrls",
    "Step",
    "backlog_state",
    "event_backlog",
    "new_company",
    "new_resident",
    "run_journey",
    "wait_settled",
]

ID_CARD: Final = "居民身份证"
BUSINESS_LICENCE: Final = "营业执照"
RESIDENT_ITEM: Final = 89
"""城市居民最低生活保障金给付 (民政局): a 居民身份证 e-licence, and one material of every other
kind — 直接取消, 数据共享, 告知承诺 — so nothing is left to submit once the ID card is found."""
COMPANY_ITEM: Final = 610
"""公司变更登记 (行政审批服务局): needs the company's 营业执照."""
APP: Final = "aishandong"
"""The 爱山东 app backend's client (department claim), acting for holders it authenticated."""
ADDRESS: Final = "山东省安丘市新安街道青云山路18号"
CORRECTED_ADDRESS: Final = "山东省安丘市新安街道青云山路81号"

_PERSONAL = re.compile(r"\b(111:)?\d{17}[\dX]\b")


class JourneyError(RuntimeError):
    """A step did not end as it should; the message names the step and what was answered."""


class MeshNotRunning(JourneyError):
    """The mesh does not answer (or not with this var dir's dev key)."""


@dataclass(frozen=True)
class MeshUrls:
    catalog: str
    issuance: str
    verification: str
    rescode: str
    dispute: str

    @classmethod
    def local(cls, base_port: int = SERVICES[0].port, host: str = "127.0.0.1") -> MeshUrls:
        """The launcher's ports: catalog at ``base_port``, the others after it."""
        offset = base_port - SERVICES[0].port
        urls = {s.name: f"http://{host}:{s.port + offset}" for s in SERVICES}
        return cls(**urls)

    def items(self) -> Iterator[tuple[str, str]]:
        for name in ("catalog", "issuance", "verification", "rescode", "dispute"):
            yield name, str(getattr(self, name)).rstrip("/")


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    summary: str
    status: int
    elapsed_ms: float


@dataclass
class Step:
    number: int
    title: str
    calls: list[Call] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class JourneyResult:
    """What every step returned (the services' JSON), for assertions."""

    steps: list[Step] = field(default_factory=list)
    resident: str = ""
    company: str = ""
    licence_types: dict[str, dict[str, Any]] = field(default_factory=dict)
    item: dict[str, Any] = field(default_factory=dict)
    backlog: dict[str, int] = field(default_factory=dict)
    id_card: dict[str, Any] = field(default_factory=dict)
    business_licence: dict[str, Any] = field(default_factory=dict)
    wallet: dict[str, Any] = field(default_factory=dict)
    code: dict[str, Any] = field(default_factory=dict)
    qr_png: Path | None = None
    qr_terminal: str = ""
    scan: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)
    verification: dict[str, Any] = field(default_factory=dict)
    business_verification: dict[str, Any] = field(default_factory=dict)
    route: dict[str, Any] = field(default_factory=dict)
    dispute: dict[str, Any] = field(default_factory=dict)
    amended: dict[str, Any] = field(default_factory=dict)
    superseded: dict[str, Any] = field(default_factory=dict)
    access_log: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)


# -- test data --------------------------------------------------------------------------------


def new_resident(born: date | None = None) -> ResidentId:
    """A valid 公民身份号码 of 安丘市 (370784), random birth date and sequence number."""
    born = born or date(1970, 1, 1) + timedelta(days=secrets.randbelow(30 * 365))
    body = f"370784{born:%Y%m%d}{secrets.randbelow(1000):03d}"
    return ResidentId(body + ric.calc_check_digit(body + "0"))


_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _organisation_code() -> str:
    """A GB 11714 organisation code: 8 characters and its check character."""
    body = "".join(_ORG_ALPHABET[secrets.randbelow(len(_ORG_ALPHABET))] for _ in range(8))
    values = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def new_company() -> CreditCode:
    """A valid 统一社会信用代码 of a company (91) registered in 安丘市 (370784)."""
    body = "91370784" + _organisation_code()
    return CreditCode(body + uscc.calc_check_digit(body))


def _mask(text: str) -> str:
    """Resident ID numbers masked as ``HolderCode.masked()`` does (personal data)."""

    def masked(match: re.Match[str]) -> str:
        number = match[0].removeprefix("111:")
        try:
            ResidentId(number)
        except IdentifierError:  # some other 18-digit number
            return match[0]
        return f"{match[1] or ''}{number[:4]}{'*' * 10}{number[-4:]}"

    return _PERSONAL.sub(masked, text)


def _summary(body: Any, limit: int = 150) -> str:
    if body is None:
        return ""
    text = _mask(json.dumps(body, ensure_ascii=False, separators=(", ", ": ")))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- metrics: has every event arrived? --------------------------------------------------------

_METRIC = re.compile(r"^(wuzheng_\w+)\{([^}]*)\}\s+([0-9.eE+-]+)$")


def _labels(text: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="([^"]*)"', text))


def event_backlog(metrics_text: str, consumer_filter: str = "") -> dict[str, int]:
    """From a service's ``/metrics``: events its outbox still holds (``outbox``) and, per
    durable consumer whose name contains ``consumer_filter``, events not yet applied
    (delivered or not)."""
    backlog: dict[str, int] = {}
    for line in metrics_text.splitlines():
        match = _METRIC.match(line.strip())
        if match is None:
            continue
        name, labels, value = match[1], _labels(match[2]), int(float(match[3]))
        if name == "wuzheng_outbox_backlog" and labels.get("status") == "pending":
            backlog["outbox"] = backlog.get("outbox", 0) + value
        elif name in ("wuzheng_consumer_pending", "wuzheng_consumer_ack_pending"):
            consumer = labels.get("consumer", "?")
            if consumer_filter in consumer:
                backlog[consumer] = backlog.get(consumer, 0) + value
    return backlog


async def backlog_state(
    client: httpx.AsyncClient, urls: Mapping[str, str], consumer_filter: str = ""
) -> tuple[bool, str, dict[str, int]]:
    """Whether every outbox of ``urls`` is empty and every consumer (whose name contains
    ``consumer_filter``) has applied every event, from their ``/metrics``; with what is
    still waiting, and the backlog per ``service:outbox`` / ``service:consumer``."""
    backlog: dict[str, int] = {}
    for service, url in urls.items():
        try:
            response = await client.get(f"{url}/metrics")
        except httpx.HTTPError as error:
            return False, f"{service} /metrics: {error!r}", backlog
        if response.status_code != 200:
            return False, f"{service} /metrics answered {response.status_code}", backlog
        for name, count in event_backlog(response.text, consumer_filter).items():
            backlog[f"{service}:{name}"] = count
    waiting = {name: count for name, count in backlog.items() if count}
    if waiting:
        return False, "waiting: " + ", ".join(f"{k}={v}" for k, v in waiting.items()), backlog
    consumers = sum(1 for name in backlog if not name.endswith(":outbox"))
    if consumer_filter and consumers == 0:
        return False, f"no consumer named *{consumer_filter}* reports on /metrics", backlog
    return True, f"{consumers} consumers", backlog


async def wait_settled(
    client: httpx.AsyncClient,
    urls: Mapping[str, str],
    consumer_filter: str = "",
    *,
    timeout: float = 60.0,  # noqa: ASYNC109 - a polling deadline
) -> float:
    """Poll :func:`backlog_state` until settled twice in a row; seconds waited, or
    :class:`TimeoutError` saying what is still waiting."""
    started = time.monotonic()
    in_a_row = 0
    while in_a_row < 2:
        done, state, _ = await backlog_state(client, urls, consumer_filter)
        in_a_row = in_a_row + 1 if done else 0
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"events not settled within {timeout:.0f}s: {state}")
        await asyncio.sleep(0.2)
    return time.monotonic() - started


# -- printing ---------------------------------------------------------------------------------


class _Narrator:
    def __init__(self, console: Console) -> None:
        self.console = console

    def step(self, step: Step, total: int) -> None:
        self.console.print()
        self.console.rule(f"[bold]{step.number}/{total}  {escape(step.title)}", align="left")

    def call(self, call: Call) -> None:
        colour = "green" if call.status < 400 else "red"
        summary = f"  [dim]{escape(call.summary)}[/dim]" if call.summary else ""
        self.console.print(
            f"  → [bold]{call.method}[/bold] {escape(_mask(call.url))}{summary}\n"
            f"    [{colour}]← {call.status}[/{colour}] [dim]({call.elapsed_ms:.0f} ms)[/dim]"
        )

    def fact(self, label: str, value: object) -> None:
        self.console.print(f"    [cyan]{escape(label)}:[/cyan] {escape(_mask(str(value)))}")

    def note(self, text: str) -> None:
        self.console.print(f"    [dim]{escape(text)}[/dim]")

    def table(self, table: Table) -> None:
        self.console.print(table)

    def raw(self, text: str) -> None:
        self.console.print(Text(text), highlight=False, soft_wrap=True)


# -- the journey ------------------------------------------------------------------------------

TOTAL_STEPS: Final = 15


class _Journey:
    def __init__(
        self,
        urls: MeshUrls,
        var_dir: Path,
        client: httpx.AsyncClient,
        narrator: _Narrator,
        timeout: float,
    ) -> None:
        self.urls = dict(urls.items())
        self.var_dir = var_dir
        self.client = client
        self.say = narrator
        self.timeout = timeout
        self.result = JourneyResult()
        self.tokens: dict[str, str] = {}
        self._step: Step | None = None

    # -- plumbing ---------------------------------------------------------------------------

    def begin(self, title: str) -> Step:
        step = Step(number=len(self.result.steps) + 1, title=title)
        self.result.steps.append(step)
        self._step = step
        self.say.step(step, TOTAL_STEPS)
        return step

    def fact(self, label: str, value: object) -> None:
        assert self._step is not None
        self._step.facts[label] = value
        self.say.fact(label, value)

    def fail(self, message: str) -> JourneyError:
        where = f"step {self._step.number} ({self._step.title})" if self._step else "journey"
        return JourneyError(f"{where}: {message}")

    async def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        as_: str | None = None,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        expect: Sequence[int] = (200,),
        quiet: bool = False,
    ) -> httpx.Response:
        url = f"{self.urls[service]}{path}"
        sent = dict(headers or {})
        if as_ is not None:
            sent["Authorization"] = f"Bearer {self.tokens[as_]}"
        started = time.perf_counter()
        try:
            response = await self.client.request(
                method, url, json=body, params=params, headers=sent
            )
        except httpx.HTTPError as error:
            raise self.fail(f"{method} {url} failed: {error!r}") from error
        shown = url if not params else f"{url}?{httpx.QueryParams(params)}"
        call = Call(
            method,
            shown,
            _summary(body),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        assert self._step is not None
        self._step.calls.append(call)
        if not quiet:
            self.say.call(call)
        if response.status_code not in expect:
            if response.status_code == 401:
                raise MeshNotRunning(
                    f"{service} refused the dev token ({_problem(response)}): the mesh does not "
                    f"use the dev key under {self.var_dir / 'auth'}; pass the var dir "
                    "`make run` uses (--var-dir)"
                )
            raise self.fail(
                f"{method} {url} answered {response.status_code}, expected "
                f"{'/'.join(map(str, expect))}: {_problem(response)}"
            )
        return response

    async def json(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        data = (await self.call(*args, **kwargs)).json()
        if not isinstance(data, dict):
            raise self.fail(f"expected a JSON object, got {type(data).__name__}")
        return data

    async def poll(
        self,
        what: str,
        probe: Callable[[], Awaitable[tuple[bool, str]]],
        *,
        interval: float = 0.25,
        quiet: bool = False,
    ) -> float:
        """Call ``probe`` until it says done; JourneyError naming ``what`` at the deadline."""
        started = time.monotonic()
        state = ""
        while True:
            done, state = await probe()
            waited = time.monotonic() - started
            if done:
                if not quiet:
                    self.say.note(f"waited {waited:.1f} s: {what} ({state})")
                return waited
            if waited > self.timeout:
                raise self.fail(f"{what}: not reached within {self.timeout:.0f} s — {state}")
            await asyncio.sleep(interval)

    async def settle(self, what: str, consumer_filter: str = "") -> dict[str, int]:
        """Wait until no service holds an unpublished event and no consumer (whose name
        contains ``consumer_filter``) has one not yet applied."""
        backlog: dict[str, int] = {}

        async def probe() -> tuple[bool, str]:
            nonlocal backlog
            done, state, backlog = await backlog_state(self.client, self.urls, consumer_filter)
            return done, state

        # twice: an event applied by one consumer may have just written the next one
        waited = await self.poll(what, probe, quiet=True)
        waited += await self.poll(what, probe, quiet=True)
        self.say.note(f"waited {waited:.1f} s: {what} (every outbox and consumer empty)")
        return backlog

    # -- the steps --------------------------------------------------------------------------

    async def run(self) -> JourneyResult:
        steps: list[Callable[[], Awaitable[None]]] = [
            self.mesh_up,
            self.mint_tokens,
            self.catalog,
            self.read_models,
            self.issue_id_card,
            self.issue_business_licence,
            self.wallet,
            self.resident_code,
            self.scan,
            self.consent,
            self.evidence,
            self.verify,
            self.dispute,
            self.told,
            self.access_log,
        ]
        assert len(steps) == TOTAL_STEPS
        for run_step in steps:
            started = time.monotonic()
            await run_step()
            assert self._step is not None
            self._step.seconds = time.monotonic() - started
        return self.result

    async def mesh_up(self) -> None:
        self.begin("The mesh is up")
        for service, url in self.urls.items():
            try:
                response = await self.call("GET", service, "/readyz", expect=(200, 503))
            except JourneyError as error:
                raise MeshNotRunning(
                    f"{service} does not answer at {url} ({error.__cause__!r})"
                ) from error
            state = response.json()
            if response.status_code != 200:
                waiting = {k: v for k, v in state.get("resources", {}).items() if v != "ok"}
                raise MeshNotRunning(f"{service} at {url} is not ready: {waiting}")
        self.fact("ready", ", ".join(self.urls))
        if not (self.var_dir / "auth" / "jwks.json").exists():
            raise MeshNotRunning(
                f"no dev signing key under {self.var_dir / 'auth'}: pass the var dir the "
                "running `make run` uses (--var-dir)"
            )

    async def mint_tokens(self) -> None:
        self.begin("Dev tokens for the departments involved")
        who = {
            "public-security": (
                "public-security",
                "ps-officer-01",
                "licences:issue disputes:handle",
            ),
            "market-regulation": ("market-regulation", "mr-officer-01", "licences:issue"),
            "app": (APP, None, "codes:issue consents:manage wallet:read disputes:file"),
            "counter": (
                "civil-affairs",
                "ca-counter-07",
                "codes:resolve evidence:request verify:request",
            ),
            "approval": ("administrative-approval", "aa-counter-02", "verify:request"),
            "ops": ("big-data-bureau", "ops-01", "routes:manage"),
        }
        table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
        for column in ("as", "department (dept)", "operator (op)", "scopes"):
            table.add_column(column)
        for name, (department, operator, scopes) in who.items():
            self.tokens[name] = mint_token(
                self.var_dir, department=department, scopes=scopes.split(), operator=operator
            )
            table.add_row(name, department, operator or "-", scopes)
        self.say.note(f"mint_token({self.var_dir}, …): Ed25519-signed JWTs, 8 h")
        self.say.table(table)
        self.fact("tokens", len(self.tokens))

    async def catalog(self) -> None:
        self.begin("The catalog: licence types and the service item")
        types = (await self.call("GET", "catalog", "/v1/licence-types")).json()
        for name in (ID_CARD, BUSINESS_LICENCE):
            found = next((t for t in types if t["name"] == name), None)
            if found is None:
                raise self.fail(f"no licence type named {name} in the catalog")
            self.result.licence_types[name] = found
            issuers = ", ".join(
                f"{d['code']} ({d['issuer_code']})" for d in found["issuing_departments"]
            )
            self.fact(name, f"type {found['code']}, issued by {issuers}")
        item = await self.json("GET", "catalog", f"/v1/items/{RESIDENT_ITEM}")
        self.result.item = item
        self.fact("item", f"{item['seq_no']} {item['name']} ({item['department']})")
        for material in item["materials"]:
            self.say.note(
                f"  material {material['position']}: {material['name']} — {material['mode']}"
                + (f" ({material['licence_type']})" if material.get("licence_type") else "")
            )
        id_card_type = self.result.licence_types[ID_CARD]["code"]
        if not any(m.get("licence_type") == id_card_type for m in item["materials"]):
            raise self.fail(f"item {RESIDENT_ITEM} does not need a {ID_CARD}")

    async def read_models(self) -> None:
        self.begin("Catalog events reach the read models")
        self.say.note(
            "issuance, verification, rescode and dispute keep local read models of the "
            "catalog, fed by catalog.* events over JetStream (no synchronous calls)"
        )
        backlog = await self.settle("catalog events applied everywhere", "catalog")
        self.result.backlog = backlog
        self.fact(
            "consumers caught up",
            ", ".join(name for name in backlog if not name.endswith(":outbox")),
        )

    async def _issue(
        self, as_: str, type_name: str, holder: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        body = {
            "type_code": self.result.licence_types[type_name]["code"],
            "holder": holder,
            "fields": fields,
            "valid_from": "2022-09-30",
            "valid_until": "2042-09-30",
        }
        licence = await self.json(
            "POST",
            "issuance",
            "/v1/licences",
            as_=as_,
            body=body,
            headers={"Idempotency-Key": f"demo-{secrets.token_hex(8)}"},
            expect=(201,),
        )
        parsed = LicenceId(licence["licence_id"])
        self.fact("licence", parsed)
        self.say.note(
            f"  type {parsed.type_code} · issuer {parsed.issuer_code} · serial {parsed.serial}"
            f" · version {parsed.version:03d} · check {parsed.check}"
        )
        self.fact("status", f"{licence['status']} (GB/T 36903 {licence['gbt_status_code']})")
        self.fact("sealed", f"{licence['seals'][0]['kid']} by {licence['issuer_name']}")
        return licence

    async def issue_id_card(self) -> None:
        self.begin(f"Public security issues a {ID_CARD}")
        resident = new_resident()
        self.result.resident = str(HolderCode.from_code(resident))
        self.fact("resident", self.result.resident)
        self.result.id_card = await self._issue(
            "public-security",
            ID_CARD,
            self.result.resident,
            {
                "holder_name": "王小明",
                "gender": "1",
                "ethnicity": "汉",
                "birth_date": resident.birth_date.isoformat(),
                "address": ADDRESS,
                "jurisdiction_code": "370784",
            },
        )

    async def issue_business_licence(self) -> None:
        self.begin(f"Market regulation issues a {BUSINESS_LICENCE}")
        company = new_company()
        self.result.company = str(HolderCode.from_code(company))
        self.fact("company", self.result.company)
        self.result.business_licence = await self._issue(
            "market-regulation",
            BUSINESS_LICENCE,
            self.result.company,
            {
                "holder_name": "安丘青云食品有限公司",
                "entity_type": "有限责任公司（自然人投资或控股）",
                "legal_representative": "王小明",
                "registered_capital": 200,
                "establishment_date": "2022-09-30",
                "business_scope": "食品销售；餐饮服务",
                "domicile": "山东省安丘市兴安街道永安路66号",
                "registration_authority": "安丘市市场监督管理局",
                "jurisdiction_code": "370784",
            },
        )

    async def wallet(self) -> None:
        self.begin("certificate.* events reach the holder's wallet (电子卡包)")
        await self.settle("certificate events applied everywhere")
        wallet = await self.json(
            "GET", "rescode", f"/v1/holders/{self.result.resident}/wallet", as_="app"
        )
        self.result.wallet = wallet
        for licence in wallet["licences"]:
            self.fact(licence["type_name"], f"{licence['licence_id']} — {licence['status_label']}")

    async def resident_code(self) -> None:
        self.begin("爱山东 shows the resident code (居民码)")
        code = await self.json(
            "POST",
            "rescode",
            "/v1/codes",
            as_="app",
            body={"holder": self.result.resident},
            expect=(201,),
        )
        self.result.code = code
        png = await self.call("GET", "rescode", code["qr"]["png"], as_="app")
        folder = self.var_dir / "demo"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"resident-code-{code['code_id']}.png"
        path.write_bytes(png.content)
        self.result.qr_png = path
        buffer = io.StringIO()
        segno.make(code["qr"]["payload"], error="m").terminal(out=buffer, compact=True)
        self.result.qr_terminal = buffer.getvalue()
        self.say.raw(self.result.qr_terminal)
        self.fact("QR payload", code["qr"]["payload"][:48] + "…")
        self.fact("digits", code["digits_display"])
        self.fact("expires", f"{code['expires_at']} ({code['ttl_seconds']} s, resolves once)")
        self.fact("PNG", path)

    async def scan(self) -> None:
        self.begin(f"A counter scans it for item {RESIDENT_ITEM}")
        scan = await self.json(
            "POST",
            "rescode",
            "/v1/codes/resolve",
            as_="counter",
            body={
                "code": self.result.code["qr"]["payload"],
                "item_seq_no": RESIDENT_ITEM,
                "purpose": "受理城市居民最低生活保障金给付申请",
            },
        )
        self.result.scan = scan
        self.fact("holder", scan["holder"]["code"])
        self.fact("item", f"{scan['item_seq_no']} {scan['item_name']}")
        self.fact("consented", f"{scan['consented']} — identity only until the holder consents")

    async def consent(self) -> None:
        self.begin("The holder consents (授权, 一事一授权)")
        id_card_type = self.result.licence_types[ID_CARD]["code"]
        consent = await self.json(
            "POST",
            "rescode",
            "/v1/consents",
            as_="app",
            body={
                "holder": self.result.resident,
                "department": self.result.item["department"],
                "item_seq_no": RESIDENT_ITEM,
                "licence_types": [id_card_type],
                "purpose": "申请城市居民最低生活保障金",
            },
            expect=(201,),
        )
        self.result.consent = consent
        self.fact("consent", f"{consent['consent_id']} ({consent['scope']}, {consent['state']})")
        self.fact("for", f"{consent['department_name']} · item {consent['item_seq_no']}")
        await self.settle("consent.grant.granted reached verification", "consent")

    async def evidence(self) -> None:
        self.begin("The counter's evidence request: every material satisfied")
        evidence = await self.json(
            "POST",
            "verification",
            "/v1/evidence-requests",
            as_="counter",
            body={
                "item_seq_no": RESIDENT_ITEM,
                "holder": self.result.resident,
                "consent_token": self.result.consent["consent_id"],
                "purpose": "受理城市居民最低生活保障金给付申请",
            },
        )
        self.result.evidence = evidence
        table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
        for column in ("#", "material", "mode", "satisfied by"):
            table.add_column(column)
        for material in evidence["materials"]:
            how = material["status"]
            if material.get("licence"):
                licence = material["licence"]
                how += f" — {licence['outcome']} ({licence['mode']}), fields " + ", ".join(
                    sorted(licence["fields"])
                )
            elif material.get("provider_department"):
                how += f" — {material['provider_department']}"
            table.add_row(str(material["position"]), material["name"], material["mode"], how)
        self.say.table(table)
        summary = evidence["summary"]
        self.fact(
            "summary",
            f"{summary['resolved']}/{summary['materials']} resolved, "
            f"nothing to submit: {summary['nothing_to_submit']}",
        )
        if not summary["nothing_to_submit"]:
            raise self.fail(f"something is still to be submitted: {summary}")

    async def verify(self) -> None:
        self.begin("Verification, routed to the issuer (谁制发、谁核验)")
        for as_, licence, holder, item, key in (
            ("counter", self.result.id_card, self.result.resident, RESIDENT_ITEM, "verification"),
            (
                "approval",
                self.result.business_licence,
                self.result.company,
                COMPANY_ITEM,
                "business_verification",
            ),
        ):
            answer = await self.json(
                "POST",
                "verification",
                "/v1/verifications",
                as_=as_,
                body={
                    "licence_id": licence["licence_id"],
                    "holder": holder,
                    "item_seq_no": item,
                    "purpose": "核验申请人提交的电子证照",
                },
            )
            setattr(self.result, key, answer)
            segment = LicenceId(answer["licence_id"]).issuer_code
            self.fact(
                answer["type_name"],
                f"issuer segment {segment} → answered by {answer['answer']['iss']}: "
                f"{answer['outcome']}, mode {answer['mode']}, sealed answer kid {answer['kid']}",
            )
        issuer = LicenceId(self.result.id_card["licence_id"]).issuer_code
        route = await self.json("GET", "verification", f"/v1/routes/{issuer}", as_="ops")
        self.result.route = route
        self.fact(
            "route",
            f"{issuer} → {route['transport']} {route['subject']} (circuit "
            f"{route['health']['state']}, {route['health']['successes']} answered)",
        )

    async def dispute(self) -> None:
        self.begin("A dispute about a wrong field, resolved with a correction")
        old_id = self.result.id_card["licence_id"]
        filed = await self.json(
            "POST",
            "dispute",
            "/v1/disputes",
            as_="app",
            body={
                "target": {"kind": "licence", "licence_id": old_id, "field": "address"},
                "claimed_value": CORRECTED_ADDRESS,
                "description": "住址门牌号应为81号，不是18号",
                "holder": self.result.resident,
                "filed_as": "holder",
                "channel": "app",
            },
            expect=(201,),
        )
        dispute_id = filed["id"]
        self.fact("filed", f"{dispute_id} → {filed['department']} ({filed['state']})")
        self.fact(
            "SLA",
            f"accept by {filed['sla']['accept_due_at']}, "
            f"resolve by {filed['sla']['resolve_due_at']}",
        )
        path = f"/v1/disputes/{dispute_id}"
        for step in ("accept", "process"):
            moved = await self.json(
                "POST", "dispute", f"{path}/{step}", as_="public-security", body={}
            )
            self.fact(step, moved["state"])
        resolved = await self.json(
            "POST",
            "dispute",
            f"{path}/resolve",
            as_="public-security",
            body={
                "note": "经核对户籍档案，住址更正",
                "corrections": {"address": CORRECTED_ADDRESS},
            },
        )
        self.fact(
            "resolve",
            f"{resolved['state']}; correction {resolved['correction']['status']}: "
            "dispute.case.resolved goes to the issuer",
        )
        dispute: dict[str, Any] = {}

        async def propagated() -> tuple[bool, str]:
            nonlocal dispute
            response = await self.call("GET", "dispute", path, as_="public-security", quiet=True)
            dispute = response.json()
            correction = dispute.get("correction") or {}
            status = correction.get("status")
            return status == "propagated", f"correction {status}"

        await self.poll("licence amended by its issuer and the correction propagated", propagated)
        assert self._step is not None
        self.say.call(self._step.calls[-1])
        self.result.dispute = dispute
        correction = dispute["correction"]
        new_id = correction["new_licence_id"]
        self.fact("amended", f"{old_id} → {new_id}")
        self.result.amended = await self.json(
            "GET", "issuance", f"/v1/licences/{new_id}", as_="public-security"
        )
        self.result.superseded = await self.json(
            "GET", "issuance", f"/v1/licences/{old_id}", as_="public-security"
        )
        self.fact(
            "new version",
            f"v{self.result.amended['version']:03d} {self.result.amended['status']}, address "
            f"{self.result.amended['fields']['address']}",
        )
        self.fact("old version", self.result.superseded["status"])

    async def told(self) -> None:
        self.begin("The department that verified the old version is told")
        dispute = self.result.dispute
        correction = dispute["correction"]
        self.fact("dispute.correction.propagated", f"at {correction['propagated_at']}")
        self.fact("departments told", ", ".join(correction["departments_told"]))
        for entry in dispute.get("history") or []:
            self.say.note(
                f"  {entry['at']} {entry['kind']}/{entry['action']} "
                f"{entry['from_state'] or ''}→{entry['to_state'] or ''} "
                f"by {entry['actor']['department'] or 'dispute service'}"
            )
        verifier = self.result.item["department"]
        if verifier not in correction["departments_told"]:
            raise self.fail(f"{verifier} verified the old version but was not told: {correction}")

    async def access_log(self) -> None:
        self.begin("The holder's access log (谁用了我的数据)")
        await self.settle("verification.completed events reached rescode")
        log = await self.json(
            "GET", "rescode", f"/v1/holders/{self.result.resident}/access-log", as_="app"
        )
        self.result.access_log = log
        table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
        for column in ("#", "when", "what", "who", "item", "result"):
            table.add_column(column)
        for record in reversed(log["records"]):
            table.add_row(
                str(record["seq"]),
                record["at"][11:19],
                record["source"],
                f"{record['department_name'] or record['department']} / {record['operator_id']}",
                f"{record['item_seq_no']} {record['item_name'] or ''}",
                record["result"],
            )
        self.say.table(table)
        chain = log["chain"]
        self.fact("hash chain", f"{chain['length']} records, intact: {chain['intact']}")


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("title") or body
        errors = body.get("errors")
        return f"{detail} {errors}" if errors else str(detail)
    return str(body)[:300]


async def run_journey(
    urls: MeshUrls,
    var_dir: Path,
    *,
    console: Console | None = None,
    timeout: float = 60.0,  # noqa: ASYNC109 - the deadline of each wait, not of the journey
    http_timeout: float = 30.0,
) -> JourneyResult:
    """Run every step against the mesh at ``urls`` whose dev key is under ``var_dir``.

    Raises :class:`MeshNotRunning` when the mesh does not answer or refuses the dev tokens,
    :class:`JourneyError` naming the step when anything else goes wrong; each wait for an
    event gives up after ``timeout`` seconds.
    """
    narrator = _Narrator(console or Console())
    async with httpx.AsyncClient(timeout=http_timeout) as client:
        return await _Journey(urls, var_dir, client, narrator, timeout).run()
