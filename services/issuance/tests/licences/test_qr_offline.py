"""Offline checks: the QR code verifies with the issuer's JWKS and status list alone; the
status list follows every change and is published (debounced) as an event."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from typing import Any

import jwt

from wuzheng.issuance.offline import Status, decode_qr_payload, parse_status_list_token
from wuzheng.issuance.testing import (
    BUSINESS_LICENCE,
    EventTap,
    business_licence_fields,
    organisation,
)
from wuzheng.service.testing import RunningService

MARKET = "market-regulation"
ISSUER = "11370784PH3724083H"


async def issue(service: RunningService, n: int) -> dict[str, Any]:
    body = {
        "type_code": BUSINESS_LICENCE,
        "holder": organisation(n),
        "fields": business_licence_fields(n),
        "valid_from": "2024-01-01",
        "valid_until": "2034-12-31",
    }
    headers = {**service.auth(MARKET, "licences:issue"), "Idempotency-Key": f"q-{n}"}
    response = await service.client.post("/v1/licences", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


class OfflineVerifier:
    """A verifier with nothing but what it fetched earlier: the JWKS and a status list."""

    def __init__(self, jwks: dict[str, Any], status_list_token: str) -> None:
        self.jwks = jwks
        self.status_list_token = status_list_token

    def check(self, qr_text: str, holder: str) -> tuple[dict[str, Any], Status]:
        token = decode_qr_payload(qr_text)
        header = jwt.get_unverified_header(token)
        assert header["typ"] == "wuzheng-licence-qr+jwt"
        key = jwt.PyJWKSet.from_dict(self.jwks)[header["kid"]]
        claims = dict(jwt.decode(token, key=key, algorithms=["EdDSA"]))
        digest = hashlib.sha256(f"{claims['sub']}\n{holder}".encode()).digest()
        assert claims["hd"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        uri = claims["status"]["status_list"]["uri"]
        status_list = parse_status_list_token(self.status_list_token, self.jwks, uri=uri)
        return claims, Status(status_list.status_of(claims["status"]))


async def fetch(service: RunningService) -> tuple[dict[str, Any], str]:
    jwks = (await service.client.get(f"/v1/issuers/{ISSUER}/jwks.json")).json()
    response = await service.client.get(f"/v1/issuers/{ISSUER}/status-list")
    assert response.headers["content-type"] == "application/statuslist+jwt"
    return jwks, response.text


async def test_qr_code_verifies_offline_and_follows_the_status(
    issuance: RunningService, tap: EventTap
) -> None:
    licence = await issue(issuance, 1)
    reader = issuance.auth(MARKET, "licences:read")
    qr = (
        await issuance.client.get(f"/v1/licences/{licence['licence_id']}/qr", headers=reader)
    ).json()
    assert qr["payload"].startswith("WZ1:")
    assert qr["status_list_uri"] == f"https://issuance.example.test/v1/issuers/{ISSUER}/status-list"
    assert qr["svg"].lstrip().startswith("<svg")
    verifier = OfflineVerifier(*await fetch(issuance))
    claims, status = verifier.check(qr["payload"], licence["holder"])
    assert status is Status.VALID
    assert (claims["sub"], claims["iss"], claims["vu"]) == (
        licence["licence_id"],
        ISSUER,
        "2034-12-31",
    )
    assert claims["hm"] == "001:" + organisation(1).code.masked()
    assert "holder_name" not in str(claims)  # identifiers and dates, not personal fields

    manage = issuance.auth(MARKET, "licences:manage")
    lid = licence["licence_id"]
    await issuance.client.post(f"/v1/licences/{lid}/suspend", json={"reason": "r"}, headers=manage)
    assert (
        OfflineVerifier(*await fetch(issuance)).check(qr["payload"], licence["holder"])[1]
        is Status.SUSPENDED
    )
    await issuance.client.post(
        f"/v1/licences/{lid}/revoke", json={"reason": "r", "kind": "annulled"}, headers=manage
    )
    jwks, token = await fetch(issuance)
    assert OfflineVerifier(jwks, token).check(qr["payload"], licence["holder"])[1] is Status.INVALID

    # The published list catches up with the last change (debounced, 0.1 s in the tests).
    async def published_revoked() -> bool:
        for envelope in tap.of_type("certificate.status_list.published"):
            published = parse_status_list_token(envelope.payload().token, jwks)
            if published.status_of(claims["status"]) == Status.INVALID:
                return True
        return False

    from wuzheng.messaging.testing import wait_until

    await wait_until(published_revoked, timeout=10, message="revocation published")


async def test_an_amended_licence_is_superseded_in_the_list(issuance: RunningService) -> None:
    licence = await issue(issuance, 2)
    lid = licence["licence_id"]
    reader = issuance.auth(MARKET, "licences:read")
    old_qr = (await issuance.client.get(f"/v1/licences/{lid}/qr", headers=reader)).json()["payload"]
    new = await issuance.client.post(
        f"/v1/licences/{lid}/amendments",
        json={"fields": {"address": "新址"}, "reason": "r"},
        headers=issuance.auth(MARKET, "licences:issue"),
    )
    new_id = new.json()["licence_id"]
    new_qr = (await issuance.client.get(f"/v1/licences/{new_id}/qr", headers=reader)).json()[
        "payload"
    ]
    verifier = OfflineVerifier(*await fetch(issuance))
    assert verifier.check(old_qr, licence["holder"])[1] is Status.SUPERSEDED
    claims, status = verifier.check(new_qr, licence["holder"])
    assert (claims["sub"], claims["v"], status) == (new_id, 2, Status.VALID)


async def test_qr_images_and_rendered_licence(issuance: RunningService) -> None:
    licence = await issue(issuance, 3)
    lid = licence["licence_id"]
    reader = issuance.auth(MARKET, "licences:read")
    png = await issuance.client.get(
        f"/v1/licences/{lid}/qr", params={"format": "png"}, headers=reader
    )
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = await issuance.client.get(
        f"/v1/licences/{lid}/qr", params={"format": "svg"}, headers=reader
    )
    assert svg.headers["content-type"].startswith("image/svg+xml")
    rendered = await issuance.client.get(f"/v1/licences/{lid}/render.svg", headers=reader)
    assert rendered.status_code == 200
    assert rendered.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(rendered.text)  # well-formed XML
    texts = "".join(root.itertext())
    for expected in (
        "营业执照",
        licence["licence_no"],
        "法定代表人",
        "张三",
        "安丘市市场监督管理局",
    ):
        assert expected in texts
    assert root.find("{http://www.w3.org/2000/svg}svg") is not None  # the nested QR code
    other = await issuance.client.get(
        f"/v1/licences/{lid}/render.svg", headers=issuance.auth("public-security", "licences:issue")
    )
    assert other.status_code == 403
