"""A protocol peer for tests and the benchmark: an issuer that answers verification requests.

:class:`IssuerPeer` implements the issuer side of ``wuzheng.contracts.verify`` on its own —
licences in memory, answers signed with a real Ed25519 key through PyJWT (or a real SM2 key
through GmSSL) — over NATS request-reply (``verify.<issuer>``, queue group) and over HTTP
(``POST /v1/issuers/{code}/verify``, ``GET /v1/issuers/{code}/jwks.json``). It also makes
what the issuance service publishes: ``certificate.issuer.served``, signed status lists
(``statuslist+jwt``), licence events, and the compact QR form of a licence. It is how the
verification service's tests talk to an issuer without depending on the issuance service;
``tests/test_with_issuance.py`` runs against the real one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import socket
import time
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import gmssl_pyx  # type: ignore[import-untyped]
import jwt
import sqlalchemy as sa
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from wuzheng.contracts import (
    CreditCode,
    EventEnvelope,
    EventPayload,
    HolderCode,
    LicenceId,
    LicenceStatus,
    LicenceTypeCode,
    VerificationOutcome,
)
from wuzheng.contracts.events.catalog import (
    DepartmentUpserted,
    FieldSourceRef,
    FieldUpserted,
    IssuingDepartment,
    ItemMaterial,
    ItemMaterialsChanged,
    ItemUpserted,
    LicenceFieldSpec,
    LicenceTypeUpserted,
)
from wuzheng.contracts.events.certificate import (
    IssuerServed,
    LicenceIssued,
    StatusListPublished,
)
from wuzheng.contracts.events.rescode import ConsentGranted, ConsentScope
from wuzheng.contracts.problems import InvalidInput
from wuzheng.contracts.verify import ANSWER_JWS_TYPE, IssuerVerifyRequest
from wuzheng.messaging import NatsConnection, Responder
from wuzheng.seals import b64url_encode, encode_qr_payload
from wuzheng.service import ServiceRuntime

__all__ = [
    "IssuerPeer",
    "ManualClock",
    "PeerLicence",
    "free_port",
    "publish",
    "serve_http",
]

PeerMode = Literal["ok", "forged", "replay", "slow", "problem", "garbage", "stale"]
_LIST_VALUES = {
    LicenceStatus.VALID: 0,
    LicenceStatus.EXPIRED: 0,
    LicenceStatus.SUSPENDED: 2,
    LicenceStatus.SUPERSEDED: 3,
}


def _thumbprint(members: Mapping[str, str]) -> str:
    canonical = json.dumps(dict(members), sort_keys=True, separators=(",", ":")).encode()
    return b64url_encode(hashlib.sha256(canonical).digest())


class _Key:
    """One seal key of the peer: Ed25519 (PyJWT signs) or SM2 (GmSSL signs)."""

    def __init__(self, suite: Literal["ed25519", "sm2"]) -> None:
        self.suite = suite
        if suite == "ed25519":
            self._ed = Ed25519PrivateKey.generate()
            raw = self._ed.public_key().public_bytes_raw()
            self.members = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
            self.alg = "EdDSA"
        else:
            public, private = gmssl_pyx.sm2_key_generate()
            self._sm2 = (bytes(private), bytes(public))
            self.members = {
                "kty": "EC",
                "crv": "SM2",
                "x": b64url_encode(bytes(public)[:32]),
                "y": b64url_encode(bytes(public)[32:]),
            }
            self.alg = "SM2SM3"
        self.kid = _thumbprint(self.members)

    def jwk(self) -> dict[str, str]:
        return {**self.members, "kid": self.kid, "alg": self.alg, "use": "sig"}

    def sign(self, claims: Mapping[str, Any], typ: str, kid: str | None = None) -> str:
        headers = {"kid": kid or self.kid, "typ": typ}
        if self.suite == "ed25519":
            return jwt.encode(dict(claims), self._ed, algorithm="EdDSA", headers=headers)
        header = {"alg": "SM2SM3", **headers}
        signing_input = (
            b64url_encode(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + b64url_encode(json.dumps(dict(claims), separators=(",", ":")).encode())
        )
        private, public = self._sm2
        # GmSSL's message-level call: it computes Z_A with the default signer ID itself.
        der = gmssl_pyx.sm2_sign(private, public, signing_input.encode("ascii"))
        r, s = decode_dss_signature(bytes(der))
        return f"{signing_input}.{b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


@dataclass
class PeerLicence:
    licence_id: str
    type_code: str
    holder: str
    status: LicenceStatus
    fields: dict[str, Any]
    valid_from: date
    valid_until: date | None
    status_index: int


@dataclass
class IssuerPeer:
    """An issuer answering for its licences; ``mode`` misbehaves on purpose."""

    issuer_code: str
    department: str
    suite: Literal["ed25519", "sm2"] = "ed25519"
    mode: PeerMode = "ok"
    delay: float = 0.0
    status_list_uri: str = ""
    licences: dict[str, PeerLicence] = field(default_factory=dict)
    calls: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = _Key(self.suite)
        self.retired: list[_Key] = []
        self._serial = 0
        self._responder: Responder | None = None
        if not self.status_list_uri:
            self.status_list_uri = f"https://issuer.test/v1/issuers/{self.issuer_code}/status-list"

    # -- keys and licences ---------------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.jwk(), *(k.jwk() for k in self.retired)]}

    def rotate(self) -> None:
        """A new active key; the old one stays published (verification of old seals)."""
        self.retired.append(self.key)
        self.key = _Key(self.suite)

    def issue(
        self,
        type_code: str,
        holder: HolderCode | str,
        fields: Mapping[str, Any] | None = None,
        *,
        status: LicenceStatus = LicenceStatus.VALID,
        valid_from: date | None = None,
        valid_until: date | None = None,
    ) -> PeerLicence:
        self._serial += 1
        licence_id = LicenceId.build(
            LicenceTypeCode(type_code), CreditCode(self.issuer_code), f"2024{self._serial:06d}"
        )
        licence = PeerLicence(
            licence_id=str(licence_id),
            type_code=type_code,
            holder=str(holder),
            status=status,
            fields=dict(fields or {}),
            valid_from=valid_from or date(2024, 1, 1),
            valid_until=valid_until,
            status_index=self._serial * 7,
        )
        self.licences[licence.licence_id] = licence
        return licence

    # -- the protocol --------------------------------------------------------------------

    def outcome(
        self, question: IssuerVerifyRequest
    ) -> tuple[VerificationOutcome, PeerLicence | None]:
        licence = self.licences.get(str(question.licence_id))
        if licence is None:
            return VerificationOutcome.NOT_FOUND, None
        if licence.holder != str(question.holder):
            return VerificationOutcome.HOLDER_MISMATCH, licence
        return VerificationOutcome.of(licence.status), licence

    async def answer(self, body: Mapping[str, Any]) -> dict[str, Any]:
        self.calls += 1
        self.requests.append(dict(body))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode == "problem":
            raise InvalidInput("the peer refuses this request")
        if self.mode == "garbage":
            return {"answer": "not.a.jws"}
        question = IssuerVerifyRequest.model_validate(body)
        outcome, licence = self.outcome(question)
        claims: dict[str, Any] = {
            "iss": self.issuer_code,
            "outcome": outcome.value,
            "licence_id": str(question.licence_id),
            "nonce": question.nonce if self.mode != "replay" else "replayed-nonce",
            "answered_at": (
                datetime.now(UTC) - timedelta(hours=1 if self.mode == "stale" else 0)
            ).isoformat(),
        }
        if licence is not None and outcome is not VerificationOutcome.HOLDER_MISMATCH:
            claims.update(
                type_code=licence.type_code,
                status=licence.status.value,
                valid_from=licence.valid_from.isoformat(),
                valid_until=licence.valid_until.isoformat() if licence.valid_until else None,
                fields={k: v for k, v in licence.fields.items() if k in question.fields},
            )
        if self.mode == "forged":
            return {"answer": _Key(self.suite).sign(claims, ANSWER_JWS_TYPE, kid=self.key.kid)}
        return {"answer": self.key.sign(claims, ANSWER_JWS_TYPE)}

    async def _on_request(self, subject: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.answer(body)

    async def attach(self, nats: NatsConnection, subject: str) -> None:
        """Answer on ``subject`` (the namespaced ``verify.<issuer>``) in queue group issuance."""
        self._responder = Responder(nats, subject, self._on_request, queue="issuance")
        await self._responder.start()

    async def detach(self) -> None:
        if self._responder is not None:
            await self._responder.stop()
            self._responder = None

    # -- what the issuance service publishes ---------------------------------------------

    def served(self) -> IssuerServed:
        return IssuerServed(
            issuer_code=CreditCode(self.issuer_code),
            department=self.department,
            verify_subject=f"verify.{self.issuer_code}",
            jwks=self.jwks(),
        )

    def status_list_token(self, issued_at: datetime | None = None) -> str:
        size = max([lic.status_index for lic in self.licences.values()] + [0]) + 1
        data = bytearray(-(-size * 2 // 8))
        for lic in self.licences.values():
            value = _LIST_VALUES.get(lic.status, 1)
            byte, shift = divmod(lic.status_index * 2, 8)
            data[byte] |= value << shift
        iat = int((issued_at or datetime.now(UTC)).timestamp())
        claims = {
            "sub": self.status_list_uri,
            "iss": self.issuer_code,
            "iat": iat,
            "exp": iat + 86_400,
            "ttl": 3600,
            "status_list": {
                "bits": 2,
                "lst": b64url_encode(zlib.compress(bytes(data), level=9)),
            },
        }
        return self.key.sign(claims, "statuslist+jwt")

    def status_list(self, issued_at: datetime | None = None) -> StatusListPublished:
        at = issued_at or datetime.now(UTC)
        return StatusListPublished(
            issuer_code=CreditCode(self.issuer_code),
            token=self.status_list_token(at),
            issued_at=at,
        )

    def issued(self, licence: PeerLicence, type_name: str = "证照") -> LicenceIssued:
        return LicenceIssued(
            licence_id=LicenceId(licence.licence_id),
            licence_no=f"NO{licence.status_index}",
            type_code=LicenceTypeCode(licence.type_code),
            type_name=type_name,
            issuer_code=CreditCode(self.issuer_code),
            department=self.department,
            holder=HolderCode(licence.holder),
            version=1,
            status=licence.status,
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
            status_list_index=licence.status_index,
            issued_at=datetime.now(UTC),
        )

    def qr_token(self, licence: PeerLicence) -> str:
        """The sealed QR token of a licence, as the issuance service makes it."""
        digest = hashlib.sha256(f"{licence.licence_id}\n{licence.holder}".encode()).digest()
        claims: dict[str, Any] = {
            "iss": self.issuer_code,
            "sub": licence.licence_id,
            "iat": int(datetime.now(UTC).timestamp()),
            "lt": licence.type_code,
            "v": 1,
            "vf": licence.valid_from.isoformat(),
            "hm": HolderCode(licence.holder).masked(),
            "hd": base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"),
            "status": {"status_list": {"idx": licence.status_index, "uri": self.status_list_uri}},
        }
        if licence.valid_until is not None:
            claims["vu"] = licence.valid_until.isoformat()
        return self.key.sign(claims, "wuzheng-licence-qr+jwt")

    def qr(self, licence: PeerLicence) -> str:
        """The QR text of the sealed QR token: ``WZ1:`` + Base45(zlib(token))."""
        return encode_qr_payload(self.qr_token(licence))

    # -- HTTP ----------------------------------------------------------------------------

    def http_app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/issuers/{issuer_code}/verify")
        async def verify(issuer_code: str, request: Request) -> JSONResponse:
            if issuer_code != self.issuer_code:
                return JSONResponse({"status": 404, "title": "Not found"}, status_code=404)
            try:
                return JSONResponse(await self.answer(await request.json()))
            except InvalidInput as exc:
                problem = exc.to_problem().model_dump(exclude_none=True)
                return JSONResponse(problem, status_code=422)

        @app.get("/v1/issuers/{issuer_code}/jwks.json")
        async def jwks(issuer_code: str) -> JSONResponse:
            if issuer_code != self.issuer_code:
                return JSONResponse({"status": 404, "title": "Not found"}, status_code=404)
            return JSONResponse(self.jwks())

        return app


class ManualClock:
    """A monotonic clock that stands still until a test moves it (``now += seconds``): the
    circuit breaker's spells, checked without waiting and without racing the wall clock."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serve_http(app: FastAPI, **uvicorn_options: Any) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free 127.0.0.1 port; yields its base URL (https when
    ``uvicorn_options`` name an ``ssl_certfile``)."""
    port = free_port()
    options: dict[str, Any] = {"log_level": "warning", "lifespan": "off", **uvicorn_options}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    scheme = "https" if options.get("ssl_certfile") else "http"
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def publish(
    runtime: ServiceRuntime, payload: EventPayload, *, source: str, time: datetime | None = None
) -> EventEnvelope:
    """Publish an event into JetStream in the runtime's namespace, as its producer would."""
    envelope = EventEnvelope.wrap(payload, source=source, time=time)
    await runtime.nats.js.publish(
        runtime.subject(envelope.nats_subject), envelope.to_bytes(), headers=envelope.nats_headers()
    )
    return envelope


# -- a small catalogue and one issuer, for the service's tests -------------------------------

PUBLIC_SECURITY = "11370784PH40135152"  # the catalogue's placeholder issuer codes
MARKET_REGULATION = "11370784PH3724083H"
ID_CARD = "11370784PH40135152001"  # 居民身份证
BUSINESS_LICENCE = "11370784PH3724083H001"  # 营业执照
PERSON = HolderCode("111:370784199001011239")
ORGANISATION = HolderCode("001:91110000600037341L")
CATALOG_SOURCE = "/wuzheng/catalog"
ISSUANCE_SOURCE = "/wuzheng/issuance"
RESCODE_SOURCE = "/wuzheng/rescode"


def catalogue_events() -> list[EventPayload]:
    """Departments, two licence types, the field library and three items:

    - item 5: 居民身份证 (e_licence, form fields applicant_name/applicant_id_number/
      photo — the last mapped to nothing), a commitment, a department check, a direct
      cancellation and a paper material;
    - item 8: 居民身份证 and a commitment only (nothing to submit when the card is valid);
    - item 99: 营业执照 only (a caller handling it may not check an ID card).
    """

    def department(code: str, name: str, issuer: str) -> DepartmentUpserted:
        return DepartmentUpserted(
            code=code,
            name=name,
            aliases=(),
            kind="government",
            issuer_code=CreditCode(issuer),
            issuer_code_placeholder=True,
        )

    def spec(key: str, label: str, personal: bool) -> LicenceFieldSpec:
        return LicenceFieldSpec(
            key=key, label=label, type="string", required=True, personal=personal
        )

    def material(position: int, mode: str, **extra: Any) -> ItemMaterial:
        return ItemMaterial.model_validate(
            {
                "position": position,
                "name": extra.pop("name", f"材料{position}"),
                "mode": mode,
                "legal_basis": "测试依据",
                "form_fields": extra.pop("form_fields", ()),
                "origin": "demo",
                **extra,
            }
        )

    id_card = material(
        1,
        "e_licence",
        name="居民身份证",
        licence_type=ID_CARD,
        form_fields=("applicant_name", "applicant_id_number", "photo"),
    )
    return [
        department("public-security", "安丘市公安局", PUBLIC_SECURITY),
        department("market-regulation", "安丘市市场监督管理局", MARKET_REGULATION),
        department("civil-affairs", "安丘市民政局", "11370784PH2562166K"),
        LicenceTypeUpserted(
            code=LicenceTypeCode(ID_CARD),
            seq_no=1,
            name="居民身份证",
            holder_kind="person",
            data_levels=("省级",),
            issuing_departments=(
                IssuingDepartment(
                    code="public-security",
                    name="安丘市公安局",
                    issuer_code=CreditCode(PUBLIC_SECURITY),
                    issuer_code_placeholder=True,
                ),
            ),
            fields=(
                spec("holder_name", "姓名", True),
                spec("holder_code", "公民身份号码", True),
                spec("address", "住址", True),
            ),
        ),
        LicenceTypeUpserted(
            code=LicenceTypeCode(BUSINESS_LICENCE),
            seq_no=2,
            name="营业执照",
            holder_kind="organisation",
            data_levels=("市级",),
            issuing_departments=(
                IssuingDepartment(
                    code="market-regulation",
                    name="安丘市市场监督管理局",
                    issuer_code=CreditCode(MARKET_REGULATION),
                    issuer_code_placeholder=True,
                ),
            ),
            fields=(spec("holder_name", "名称", False),),
        ),
        FieldUpserted(
            key="applicant_name",
            label="申请人姓名",
            type="string",
            personal=True,
            sources=(FieldSourceRef(licence_type=LicenceTypeCode(ID_CARD), field="holder_name"),),
        ),
        FieldUpserted(
            key="applicant_id_number",
            label="申请人身份证号",
            type="string",
            personal=True,
            sources=(FieldSourceRef(licence_type=LicenceTypeCode(ID_CARD), field="holder_code"),),
        ),
        ItemUpserted(
            seq_no=5,
            name="残疾人证换领",
            department="civil-affairs",
            department_text="民政局",
            levels=("县级",),
        ),
        ItemMaterialsChanged(
            seq_no=5,
            materials=(
                id_card,
                material(2, "commitment", commitment_text="本人承诺所填信息真实。"),
                material(3, "department_check", provider_department="civil-affairs"),
                material(4, "direct_cancel"),
                material(5, "paper", name="近期免冠照片"),
            ),
        ),
        ItemUpserted(
            seq_no=8,
            name="户口迁移",
            department="public-security",
            department_text="公安局",
            levels=(),
        ),
        ItemMaterialsChanged(
            seq_no=8,
            materials=(id_card, material(2, "commitment", commitment_text="承诺书")),
        ),
        ItemMaterialsChanged(
            seq_no=99,
            materials=(material(1, "e_licence", name="营业执照", licence_type=BUSINESS_LICENCE),),
        ),
    ]


@dataclass
class Mesh:
    """The verification service under test, fed with a catalogue, and an issuer peer."""

    runtime: ServiceRuntime
    peer: IssuerPeer

    async def publish(self, payload: EventPayload, source: str = CATALOG_SOURCE) -> None:
        await publish(self.runtime, payload, source=source)

    async def wait(
        self, table: str, where: str = "1=1", count: int = 1, within: float = 10.0
    ) -> None:
        """Until ``table`` has ``count`` rows matching ``where`` (the read models fill up)."""
        deadline = time.monotonic() + within
        query = sa.text(f"SELECT count(*) FROM {table} WHERE {where}")  # noqa: S608 - tests
        while True:
            async with self.runtime.database.sessionmaker() as session:
                found = int(await session.scalar(query) or 0)
            if found >= count:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} row(s) in {table} ({where}) not within {within}s")
            await asyncio.sleep(0.02)

    async def start(self) -> None:
        """Publish the catalogue and the peer's served event; attach the peer; wait."""
        for payload in catalogue_events():
            await self.publish(payload)
        await self.publish(self.peer.served(), ISSUANCE_SOURCE)
        await self.peer.attach(
            self.runtime.nats, self.runtime.subject(f"verify.{self.peer.issuer_code}")
        )
        await self.wait("rm_items", "materials IS NOT NULL", count=3)
        await self.wait("rm_fields", count=2)
        await self.wait("rm_licence_types", count=2)
        await self.wait("issuer_routes", f"issuer_code = '{self.peer.issuer_code}'")

    async def grant_consent(
        self,
        consent_id: str,
        *,
        scope: ConsentScope = ConsentScope.ONE_CASE,
        department: str = "civil-affairs",
        item: int | None = 5,
        types: tuple[str, ...] = (ID_CARD,),
        holder: str = str(PERSON),
        valid_for: timedelta = timedelta(hours=1),
    ) -> None:
        """Announce a consent of ``holder`` (as rescode does: consent.grant.granted) and wait
        until the service has it; by default for civil-affairs, item 5, the ID card."""
        await self.publish(
            ConsentGranted(
                consent_id=consent_id,
                holder=HolderCode(holder),
                department=department,
                item_seq_no=item,
                licence_types=types,
                scope=scope,
                valid_until=datetime.now(UTC) + valid_for,
            ),
            RESCODE_SOURCE,
        )
        await self.wait("consents", f"consent_id = '{consent_id}'")

    async def issue(self, licence: PeerLicence) -> None:
        """Announce a licence the peer issued (certificate.licence.issued) and wait for it."""
        await self.publish(self.peer.issued(licence), ISSUANCE_SOURCE)
        await self.wait("holder_licences", f"licence_id = '{licence.licence_id}'")
