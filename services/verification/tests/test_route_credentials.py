"""Credentials of registered HTTPS routes: a department endpoint that requires a bearer token or
a client certificate, the secret named by file name under the route secrets directory."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import os
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from hypothesis import given
from hypothesis import strategies as st

from wuzheng.issuance.app import DEFINITION as ISSUANCE  # noqa: TID251 - a test composes services
from wuzheng.messaging.testing import wait_until
from wuzheng.service.testing import RunningService, ServiceHarness
from wuzheng.verification.app import DEFINITION
from wuzheng.verification.core import Core
from wuzheng.verification.routes.credentials import (
    CredentialProblem,
    RouteCredential,
    SecretFiles,
    check_ref,
)
from wuzheng.verification.settings import VerificationSettings
from wuzheng.verification.testing import (
    ID_CARD,
    PERSON,
    PUBLIC_SECURITY,
    IssuerPeer,
    Mesh,
    PeerLicence,
    catalogue_events,
    publish,
    serve_http,
)

ROUTE = f"/v1/routes/{PUBLIC_SECURITY}"


def body(licence_id: str) -> dict[str, object]:
    return {"licence_id": licence_id, "holder": str(PERSON), "item_seq_no": 5, "purpose": "核验"}


def secrets_dir(service: RunningService) -> Path:
    settings = service.settings
    assert isinstance(settings, VerificationSettings)
    directory = settings.resolved_route_secrets_dir
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def replace_file(path: Path, content: str | bytes) -> None:
    """Write a new version and rename it over the old one, as a secret volume update does."""
    data = content.encode() if isinstance(content, str) else content
    fresh = path.with_name(f".{path.name}.new")
    fresh.write_bytes(data)
    os.replace(fresh, path)


def core_of(service: RunningService) -> Core:
    core = service.app.state.verification
    assert isinstance(core, Core)
    return core


@pytest.fixture
def external(mesh: Mesh) -> tuple[IssuerPeer, PeerLicence]:
    """The department's own verification service, and a licence it answers for."""
    peer = IssuerPeer(PUBLIC_SECURITY, "public-security")
    licence = peer.issue(ID_CARD, PERSON)
    mesh.peer.licences[licence.licence_id] = licence
    return peer, licence


# -- bearer tokens -------------------------------------------------------------------------


@dataclass
class Guard:
    """What the department endpoint accepts, and the Authorization headers it saw."""

    token: str
    seen: list[str | None]


def guarded(peer: IssuerPeer, guard: Guard) -> FastAPI:
    app = peer.http_app()

    @app.middleware("http")
    async def require_token(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("authorization")
        guard.seen.append(given)
        if given != f"Bearer {guard.token}":
            return JSONResponse(
                {"title": "Unauthorized", "status": 401},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return await call_next(request)

    return app


async def test_a_bearer_token_from_a_file_opens_a_guarded_endpoint(
    verification: RunningService,
    mesh: Mesh,
    counter: dict[str, str],
    external: tuple[IssuerPeer, PeerLicence],
    caplog: pytest.LogCaptureFixture,
) -> None:
    peer, licence = external
    operator = verification.auth("ops", "routes:manage")
    directory = secrets_dir(verification)
    token_file = directory / "public-security.token"
    first, second = "tok-first-8d3c2a1f", "tok-second-55aa9e0b71"
    guard = Guard(token=first, seen=[])
    texts: list[str] = []

    async def verify() -> httpx.Response:
        response = await verification.client.post(
            "/v1/verifications", json=body(licence.licence_id), headers=counter
        )
        texts.append(response.text)
        return response

    async def register(credential: dict[str, Any] | None) -> dict[str, Any]:
        payload: dict[str, Any] = {"url": url}
        if credential is not None:
            payload["credential"] = credential
        response = await verification.client.put(ROUTE, json=payload, headers=operator)
        assert response.status_code == 200, response.text
        texts.append(response.text)
        route: dict[str, Any] = response.json()
        return route

    async with serve_http(guarded(peer, guard)) as url:
        # Without a credential the endpoint says 401: the issuer is unavailable to us (503),
        # not a refusal of the caller's request.
        route = await register(None)
        assert route["credential"] is None
        assert route["kids"] == []  # the JWKS is guarded too
        unauthenticated = await verify()
        assert unauthenticated.status_code == 503, unauthenticated.text
        problem = unauthenticated.json()
        assert problem["type"].endswith("/issuer_unavailable")
        assert "route has none" in problem["detail"]
        assert peer.calls == 0

        # A credential whose file is not there yet: a clear failure of this route.
        credential = {"kind": "bearer", "ref": "public-security.token"}
        route = await register(credential)
        assert route["credential"] == {
            **credential,
            "key_ref": None,
            "problem": "bearer token file 'public-security.token' is missing from the route "
            "secrets directory",
        }
        missing = await verify()
        assert missing.status_code == 503
        assert "bearer token file 'public-security.token' is missing" in missing.json()["detail"]
        health = (await verification.client.get(ROUTE, headers=operator)).json()["health"]
        assert "'public-security.token' is missing" in health["last_error"]
        assert peer.calls == 0

        # The operator provides the secret: no restart, no new registration.
        replace_file(token_file, first + "\n")
        shown = await verification.client.get(ROUTE, headers=operator)
        assert shown.json()["credential"]["problem"] is None
        answered = await verify()
        assert answered.status_code == 200, answered.text
        assert answered.json()["kid"] == peer.key.kid  # keys fetched with the token too
        assert peer.calls == 1
        assert guard.seen[-1] == f"Bearer {first}"

        # The department rotates its token: the old one is refused, the route says so...
        guard.token = second
        stale = await verify()
        assert stale.status_code == 503
        assert "refused the route's bearer token file" in stale.json()["detail"]
        # ...until the file is rewritten, which is read again at the next call.
        replace_file(token_file, second)
        rotated = await verify()
        assert rotated.status_code == 200, rotated.text
        assert guard.seen[-1] == f"Bearer {second}"
        # Rewritten in place (same inode) works as well.
        guard.token = "tok-third-0c0ffee"
        token_file.write_text(guard.token)
        assert (await verify()).status_code == 200

        token_file.write_text("two tokens\n")
        unusable = await verify()
        assert unusable.status_code == 503
        assert "does not hold one token" in unusable.json()["detail"]
        views = await verification.client.get("/v1/routes", headers=operator)
        texts.append(views.text)
        [external_route] = [r for r in views.json()["routes"] if r["credential"]]
        assert "does not hold one token" in external_route["credential"]["problem"]

    export = await verification.client.get(
        "/v1/audit/records", headers=verification.auth("audit", "audit:read")
    )
    assert export.status_code == 200
    texts.append(export.text)
    assert "route credential" in export.text  # the failures are recorded, by name
    for secret in (first, second, "tok-third-0c0ffee"):
        for text in (*texts, caplog.text):
            assert secret not in text


async def test_a_bearer_token_goes_only_to_the_route_s_own_origin(
    verification: RunningService,
    mesh: Mesh,
    counter: dict[str, str],
    external: tuple[IssuerPeer, PeerLicence],
) -> None:
    peer, licence = external
    replace_file(secrets_dir(verification) / "ps.token", "tok-origin-1")
    guard = Guard(token="tok-origin-1", seen=[])
    elsewhere: list[str | None] = []
    keys = FastAPI()

    @keys.get("/jwks.json")
    async def jwks(request: Request) -> dict[str, Any]:
        elsewhere.append(request.headers.get("authorization"))
        return peer.jwks()

    async with serve_http(guarded(peer, guard)) as url, serve_http(keys) as keys_url:
        response = await verification.client.put(
            ROUTE,
            json={
                "url": url,
                "jwks_url": f"{keys_url}/jwks.json",
                "credential": {"kind": "bearer", "ref": "ps.token"},
            },
            headers=verification.auth("ops", "routes:manage"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["kids"] == [peer.key.kid]
        assert elsewhere == [None]  # the key server is another origin: no token for it
        answered = await verification.client.post(
            "/v1/verifications", json=body(licence.licence_id), headers=counter
        )
        assert answered.status_code == 200, answered.text
        assert guard.seen == ["Bearer tok-origin-1"]


async def test_issuance_s_rest_verify_with_a_bearer_token(
    service_harness: ServiceHarness, settings_overrides: dict[str, Any]
) -> None:
    """The motivating case: the issuance service's own REST verify, which requires a bearer
    token with licences:verify, registered as a department endpoint."""
    async with (
        service_harness.run(ISSUANCE) as issuance,
        service_harness.run(DEFINITION, **settings_overrides) as verification,
    ):
        for payload in catalogue_events():
            await publish(verification.runtime, payload, source="/wuzheng/catalog")
        mesh = Mesh(verification.runtime, IssuerPeer(PUBLIC_SECURITY, "public-security"))
        await mesh.wait("rm_items", "materials IS NOT NULL", count=3)
        police = issuance.auth("public-security", "licences:issue")
        issued = None
        for _ in range(100):  # until issuance's catalog read model has the type
            issued = await issuance.client.post(
                "/v1/licences",
                json={
                    "type_code": ID_CARD,
                    "holder": str(PERSON),
                    "fields": {"holder_name": "张三", "address": "安丘市兴安街道1号"},
                    "valid_from": "2024-01-01",
                    "idempotency_key": "rest-verify-1",
                },
                headers=police,
            )
            if issued.status_code == 201:
                break
            await asyncio.sleep(0.1)
        assert issued is not None
        assert issued.status_code == 201, issued.text
        licence_id = issued.json()["licence_id"]
        await mesh.wait("issuer_routes", f"issuer_code = '{PUBLIC_SECURITY}'")

        directory = secrets_dir(verification)
        token = issuance.token("verification", "licences:verify", operator=None)
        replace_file(directory / "issuance.token", token)
        replace_file(directory / "reader.token", issuance.token("verification", "licences:read"))
        operator = verification.auth("ops", "routes:manage")
        counter = verification.auth("civil-affairs", "verify:request")

        async def verify_with(credential: dict[str, Any] | None) -> httpx.Response:
            payload: dict[str, Any] = {"url": url}
            if credential is not None:
                payload["credential"] = credential
            registered = await verification.client.put(ROUTE, json=payload, headers=operator)
            assert registered.status_code == 200, registered.text
            return await verification.client.post(
                "/v1/verifications", json=body(licence_id), headers=counter
            )

        async with serve_http(issuance.app) as url:
            answered = await verify_with({"kind": "bearer", "ref": "issuance.token"})
            assert answered.status_code == 200, answered.text
            result = answered.json()
            assert (result["mode"], result["outcome"]) == ("online", "valid")
            without = await verify_with(None)
            assert without.status_code == 503  # issuance says 401
            assert "route has none" in without.json()["detail"]
            wrong_scope = await verify_with({"kind": "bearer", "ref": "reader.token"})
            assert wrong_scope.status_code == 503  # issuance says 403
            assert (
                "refused the route's bearer token file 'reader.token'"
                in (wrong_scope.json()["detail"])
            )
            assert token not in without.text + wrong_scope.text + answered.text


@pytest.mark.parametrize(
    "credential",
    [
        {"kind": "bearer", "ref": "../x"},
        {"kind": "bearer", "ref": "secrets/x"},
        {"kind": "bearer", "ref": "..\\x"},
        {"kind": "bearer", "ref": ".."},
        {"kind": "bearer", "ref": "..data"},
        {"kind": "bearer", "ref": ".hidden"},
        {"kind": "bearer", "ref": "/etc/passwd"},
        {"kind": "bearer", "ref": ""},
        {"kind": "bearer", "ref": "x" * 129},
        {"kind": "bearer", "ref": "a.token", "key_ref": "a.key"},  # a key is for mtls
        {"kind": "mtls", "ref": "a.crt", "key_ref": "../a.key"},
        {"kind": "basic", "ref": "a"},
        {"kind": "bearer", "ref": "a", "token": "the-secret-itself"},  # never the secret
        {"kind": "bearer"},
    ],
)
async def test_credential_references_are_checked(
    verification: RunningService, mesh: Mesh, credential: dict[str, Any]
) -> None:
    response = await verification.client.put(
        ROUTE,
        json={"url": "https://verify.example.org", "credential": credential},
        headers=verification.auth("ops", "routes:manage"),
    )
    assert response.status_code == 422, response.text
    assert "the-secret-itself" not in response.text


async def test_the_credential_is_dropped_with_the_url(
    verification: RunningService, mesh: Mesh
) -> None:
    operator = verification.auth("ops", "routes:manage")
    registered = await verification.client.put(
        ROUTE,
        json={
            "url": "https://127.0.0.1:9",
            "credential": {"kind": "mtls", "ref": "ps.crt", "key_ref": "ps.key"},
        },
        headers=operator,
    )
    assert registered.status_code == 200, registered.text
    assert registered.json()["credential"] == {
        "kind": "mtls",
        "ref": "ps.crt",
        "key_ref": "ps.key",
        "problem": "client certificate file 'ps.crt' is missing from the route secrets directory",
    }
    again = await verification.client.put(
        ROUTE, json={"url": "https://127.0.0.1:9"}, headers=operator
    )
    assert again.json()["credential"] is None  # PUT replaces the whole registration
    assert (await verification.client.delete(ROUTE, headers=operator)).status_code == 204
    mesh_route = await verification.client.get(ROUTE, headers=operator)
    assert mesh_route.json()["transport"] == "nats"
    assert mesh_route.json()["credential"] is None


# -- client certificates (mTLS) ------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass
class Pki:
    """A test CA and what it signs, as PEM files."""

    directory: Path

    def __post_init__(self) -> None:
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self.ca = (
            x509.CertificateBuilder()
            .subject_name(_name("wuzheng test CA"))
            .issuer_name(_name("wuzheng test CA"))
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()), critical=False
            )
            .sign(self.ca_key, hashes.SHA256())
        )
        self.ca_file = self.directory / "ca.pem"
        self.ca_file.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))

    def issue(self, common_name: str, *, server: bool) -> tuple[bytes, bytes]:
        """A certificate for ``common_name`` (a server's for 127.0.0.1, else a client's) and
        its key, as PEM."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()),
                critical=False,
            )
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        cert = builder.sign(self.ca_key, hashes.SHA256())
        return (
            cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )


@contextlib.asynccontextmanager
async def serve_mtls(app: FastAPI, pki: Pki) -> AsyncIterator[str]:
    """Serve ``app`` over TLS on 127.0.0.1, requiring a client certificate from the test CA."""
    cert, key = pki.issue("verify.public-security.test", server=True)
    (pki.directory / "server.pem").write_bytes(cert)
    (pki.directory / "server.key").write_bytes(key)
    async with serve_http(
        app,
        log_level="critical",
        ssl_certfile=str(pki.directory / "server.pem"),
        ssl_keyfile=str(pki.directory / "server.key"),
        ssl_ca_certs=str(pki.ca_file),
        ssl_cert_reqs=ssl.CERT_REQUIRED,
    ) as url:
        yield url


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    directory = tmp_path / "pki"
    directory.mkdir()
    return Pki(directory)


@pytest.fixture
async def tls_verification(
    service_harness: ServiceHarness,
    settings_overrides: dict[str, Any],
    pki: Pki,
) -> AsyncIterator[RunningService]:
    """The service trusting the test CA for departments' servers, as an operator points it
    at the government CA bundle."""
    settings = {**settings_overrides, "issuer_ca_bundle": str(pki.ca_file)}
    async with service_harness.run(DEFINITION, **settings) as service:
        yield service


async def test_a_client_certificate_opens_an_mtls_endpoint(
    tls_verification: RunningService, peer: IssuerPeer, pki: Pki
) -> None:
    service = tls_verification
    mesh = Mesh(service.runtime, peer)
    await mesh.start()
    external = IssuerPeer(PUBLIC_SECURITY, "public-security")
    licence = external.issue(ID_CARD, PERSON)
    counter = service.auth("civil-affairs", "verify:request")
    operator = service.auth("ops", "routes:manage")
    directory = secrets_dir(service)
    client = core_of(service).client

    async def verify() -> httpx.Response:
        return await service.client.post(
            "/v1/verifications", json=body(licence.licence_id), headers=counter
        )

    try:
        async with serve_mtls(external.http_app(), pki) as url:
            # No client certificate: the TLS handshake is refused, the issuer unavailable.
            plain = await service.client.put(ROUTE, json={"url": url}, headers=operator)
            assert plain.status_code == 200, plain.text
            assert plain.json()["kids"] == []
            refused = await verify()
            assert refused.status_code == 503, refused.text
            assert external.calls == 0

            cert, key = pki.issue("verification.wuzheng.test", server=False)
            replace_file(directory / "ps.crt", cert)
            replace_file(directory / "ps.key", key)
            credential = {"kind": "mtls", "ref": "ps.crt", "key_ref": "ps.key"}
            registered = await service.client.put(
                ROUTE, json={"url": url, "credential": credential}, headers=operator
            )
            assert registered.status_code == 200, registered.text
            assert registered.json()["credential"] == {**credential, "problem": None}
            assert registered.json()["kids"] == [external.key.kid]  # fetched over mTLS
            answered = await verify()
            assert answered.status_code == 200, answered.text
            assert answered.json()["kid"] == external.key.kid
            assert external.calls == 1

            # One pooled client per certificate, kept while the files are unchanged.
            [pooled] = client._tls.values()
            assert (await verify()).status_code == 200
            assert list(client._tls.values()) == [pooled]

            # A renewed certificate (and key) is loaded at the next call: a new client.
            cert, key = pki.issue("verification.wuzheng.test", server=False)
            replace_file(directory / "ps.key", key)
            replace_file(directory / "ps.crt", cert)
            assert (await verify()).status_code == 200
            [renewed] = client._tls.values()
            assert renewed is not pooled
            assert renewed.identity.stamps != pooled.identity.stamps
            # the old one is closed once idle
            await wait_until(lambda: pooled.http.is_closed, timeout=5, message="closed")

            # A key that does not match: the route's credential problem, not a 500.
            _, other_key = pki.issue("someone-else", server=False)
            replace_file(directory / "ps.key", other_key)
            mismatch = await verify()
            assert mismatch.status_code == 503
            assert "cannot be loaded" in mismatch.json()["detail"]
            (directory / "ps.key").unlink()
            missing = await verify()
            assert missing.status_code == 503
            assert "client key file 'ps.key' is missing" in missing.json()["detail"]
    finally:
        await peer.detach()


# -- the secret files themselves -----------------------------------------------------------


@pytest.mark.parametrize(
    "ref", ["a", "public-security.token", "ps_2024.crt", "A.B-c_d", "x" * 128, "0"]
)
def test_plain_file_names_are_references(ref: str, tmp_path: Path) -> None:
    assert check_ref(ref) == ref
    assert (tmp_path / ref).parent == tmp_path


@pytest.mark.parametrize(
    "ref", ["../x", "a/b", "a\\b", "..", ".", "..data", "a..b", ".x", "-x", "a b", "", "é"]
)
def test_anything_else_is_not(ref: str) -> None:
    with pytest.raises(ValueError, match="must"):
        check_ref(ref)


@given(st.text(max_size=140))
def test_an_accepted_reference_never_leaves_the_directory(ref: str) -> None:
    root = Path("/srv/secrets")
    try:
        check_ref(ref)
    except ValueError:
        return
    assert (root / ref).parent == root
    assert os.path.normpath(root / ref) == str(root / ref)
    assert not ref.startswith(".")


def test_a_token_is_read_again_when_its_file_changes(tmp_path: Path) -> None:
    files = SecretFiles(tmp_path)
    with pytest.raises(CredentialProblem, match="'t' is missing") as missing:
        files.bearer_token("t")
    assert str(tmp_path) not in str(missing.value)  # where the secrets are is not shown
    (tmp_path / "t").write_text("  abc.def-1  \n")
    assert files.bearer_token("t") == "abc.def-1"
    replace_file(tmp_path / "t", "xyz")
    assert files.bearer_token("t") == "xyz"
    (tmp_path / "t").write_text("")
    with pytest.raises(CredentialProblem, match="is empty"):
        files.bearer_token("t")
    (tmp_path / "t").write_text("secret-with\nnewline")
    with pytest.raises(CredentialProblem, match="one token") as bad:
        files.bearer_token("t")
    assert "secret-with" not in str(bad.value)
    with pytest.raises(CredentialProblem, match="plain file name"):
        files.bearer_token("../t")
    (tmp_path / "d").mkdir()
    with pytest.raises(CredentialProblem, match="'d' cannot be read"):
        files.bearer_token("d")


def test_a_client_certificate_is_loaded_once_per_version(pki: Pki, tmp_path: Path) -> None:
    directory = tmp_path / "secrets"
    directory.mkdir()
    files = SecretFiles(directory)
    cert, key = pki.issue("client", server=False)
    (directory / "c.pem").write_bytes(cert)
    (directory / "c.key").write_bytes(key)
    (directory / "both.pem").write_bytes(cert + key)
    separate = RouteCredential("mtls", "c.pem", "c.key")
    identity = files.tls_identity(separate)
    assert isinstance(identity.context, ssl.SSLContext)
    assert identity.context.verify_mode == ssl.CERT_REQUIRED  # servers are still checked
    assert files.tls_identity(separate) is identity
    assert files.tls_identity(RouteCredential("mtls", "both.pem")).context is not identity.context
    (directory / "c.key").write_bytes(pki.issue("other", server=False)[1])
    with pytest.raises(CredentialProblem, match="cannot be loaded"):
        files.tls_identity(separate)
    (directory / "c.key").write_bytes(key)
    assert files.tls_identity(separate) is not identity
    with pytest.raises(CredentialProblem, match=r"client certificate file 'nope\.pem' is missing"):
        files.tls_identity(RouteCredential("mtls", "nope.pem", "c.key"))
    encrypted = serialization.load_pem_private_key(key, None).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    (directory / "enc.key").write_bytes(encrypted)
    with pytest.raises(CredentialProblem, match="encrypted key"):  # never a password prompt
        files.tls_identity(RouteCredential("mtls", "c.pem", "enc.key"))


async def test_without_the_ca_bundle_a_department_s_server_is_not_trusted(
    verification: RunningService, peer: IssuerPeer, pki: Pki
) -> None:
    mesh = Mesh(verification.runtime, peer)
    await mesh.start()
    external = IssuerPeer(PUBLIC_SECURITY, "public-security")
    licence = external.issue(ID_CARD, PERSON)
    cert, key = pki.issue("verification.wuzheng.test", server=False)
    replace_file(secrets_dir(verification) / "ps.crt", cert)
    replace_file(secrets_dir(verification) / "ps.key", key)
    credential = {"kind": "mtls", "ref": "ps.crt", "key_ref": "ps.key"}
    try:
        async with serve_mtls(external.http_app(), pki) as url:
            registered = await verification.client.put(
                ROUTE,
                json={"url": url, "credential": credential},
                headers=verification.auth("ops", "routes:manage"),
            )
            assert registered.status_code == 200, registered.text
            assert registered.json()["credential"]["problem"] is None  # the files are fine
            assert registered.json()["kids"] == []  # but the server's CA is not trusted
            refused = await verification.client.post(
                "/v1/verifications",
                json=body(licence.licence_id),
                headers=verification.auth("civil-affairs", "verify:request"),
            )
            assert refused.status_code == 503, refused.text
            assert refused.json()["type"].endswith("/issuer_unavailable")
            assert external.calls == 0
    finally:
        await peer.detach()
