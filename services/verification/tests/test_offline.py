"""The QR form and the offline check against cached keys and the issuer's status list."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

import base45
import pytest

from wuzheng.contracts import LicenceStatus
from wuzheng.service.testing import RunningService
from wuzheng.verification.testing import (
    ID_CARD,
    ISSUANCE_SOURCE,
    PERSON,
    PUBLIC_SECURITY,
    IssuerPeer,
    Mesh,
)


def qr_body(qr: str, **extra: object) -> dict[str, object]:
    return {"qr": qr, "holder": str(PERSON), "item_seq_no": 5, "purpose": "核验", **extra}


async def publish_status_list(mesh: Mesh, issued_at: datetime | None = None) -> None:
    event = mesh.peer.status_list(issued_at)
    await mesh.publish(event, ISSUANCE_SOURCE)
    await mesh.wait("status_lists", f"issued_at >= '{event.issued_at.strftime('%Y-%m-%d')}'")


async def test_a_scanned_code_is_verified_online_and_its_seal_checked(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    response = await verification.client.post(
        "/v1/verifications", json=qr_body(mesh.peer.qr(licence)), headers=counter
    )
    assert response.status_code == 200, response.text
    assert response.json()["mode"] == "online"
    assert response.json()["licence_id"] == licence.licence_id
    await mesh.wait("signed_licences", f"licence_id = '{licence.licence_id}'")


async def test_a_code_sealed_with_an_unpublished_key_is_refused(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    impostor = IssuerPeer(PUBLIC_SECURITY, "public-security")
    licence = impostor.issue(ID_CARD, PERSON)
    response = await verification.client.post(
        "/v1/verifications", json=qr_body(impostor.qr(licence)), headers=counter
    )
    assert response.status_code == 422
    assert response.json()["segment"] == "qr.seal"
    assert mesh.peer.calls == 0


@pytest.mark.parametrize(
    ("text", "segment"),
    [
        ("HC1:NCFOXN%TS3DH", "qr.prefix"),
        ("WZ1:@@@", "qr.base45"),
        ("WZ1:" + base45.b45encode(b"not zlib").decode(), "qr.zlib"),
        ("WZ1:" + base45.b45encode(zlib.compress(b"plain text")).decode(), "qr.content"),
    ],
)
async def test_unreadable_codes_name_the_layer(
    verification: RunningService, mesh: Mesh, counter: dict[str, str], text: str, segment: str
) -> None:
    response = await verification.client.post(
        "/v1/verifications", json=qr_body(text), headers=counter
    )
    assert response.status_code == 422
    assert response.json()["segment"] == segment


async def test_offline_check_when_the_issuer_is_down(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(
        ID_CARD, PERSON, valid_until=datetime.now(UTC).date() + timedelta(days=30)
    )
    suspended = mesh.peer.issue(ID_CARD, PERSON, status=LicenceStatus.SUSPENDED)
    listed_at = datetime.now(UTC) - timedelta(minutes=5)
    await publish_status_list(mesh, listed_at)
    await mesh.peer.detach()

    refused = await verification.client.post(
        "/v1/verifications", json=qr_body(mesh.peer.qr(licence)), headers=counter
    )
    assert refused.status_code == 503  # offline only when the caller allows it

    response = await verification.client.post(
        "/v1/verifications",
        json=qr_body(mesh.peer.qr(licence), allow_offline=True),
        headers=counter,
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["mode"] == "offline"
    assert result["outcome"] == "valid"
    assert result["answer"] is None
    assert result["signed_answer"] is None
    offline = result["offline"]
    assert offline["signed_licence"] == "qr"
    assert offline["list_status"] == "valid"
    assert 290 <= offline["status_list_age_seconds"] <= 400
    assert "did not answer" in offline["reason"]

    other = await verification.client.post(
        "/v1/verifications",
        json=qr_body(mesh.peer.qr(suspended), allow_offline=True),
        headers=counter,
    )
    assert other.status_code == 200, other.text
    assert other.json()["outcome"] == "suspended"

    stranger = await verification.client.post(
        "/v1/verifications",
        json=qr_body(mesh.peer.qr(licence), allow_offline=True, holder="111:11010519491231002X"),
        headers=counter,
    )
    assert stranger.json()["outcome"] == "holder_mismatch"


async def test_offline_with_a_kept_copy_and_what_it_needs(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    never_scanned = mesh.peer.issue(ID_CARD, PERSON)
    scanned = await verification.client.post(
        "/v1/verifications", json=qr_body(mesh.peer.qr(licence)), headers=counter
    )
    assert scanned.status_code == 200
    await mesh.peer.detach()
    by_id = {"holder": str(PERSON), "item_seq_no": 5, "purpose": "核验", "allow_offline": True}

    no_list = await verification.client.post(
        "/v1/verifications", json={**by_id, "licence_id": licence.licence_id}, headers=counter
    )
    assert no_list.status_code == 503
    assert "no status list" in no_list.json()["detail"]
    assert "Retry-After" not in no_list.headers  # the circuit is still closed

    await publish_status_list(mesh)
    response = await verification.client.post(
        "/v1/verifications", json={**by_id, "licence_id": licence.licence_id}, headers=counter
    )
    assert response.status_code == 200, response.text
    assert response.json()["offline"]["signed_licence"] == "cache"

    no_copy = await verification.client.post(
        "/v1/verifications", json={**by_id, "licence_id": never_scanned.licence_id}, headers=counter
    )
    assert no_copy.status_code == 503
    assert "QR form" in no_copy.json()["detail"]
    # Its failure was the third (breaker_failures = 3): the circuit is open, and the answer
    # says when the issuer will be tried again.
    assert no_copy.headers["Retry-After"] == "1"
    assert 0 < no_copy.json()["retry_after_seconds"] <= 0.5


async def test_a_too_old_status_list_is_not_used(
    verification: RunningService, mesh: Mesh, counter: dict[str, str]
) -> None:
    licence = mesh.peer.issue(ID_CARD, PERSON)
    await publish_status_list(mesh, datetime.now(UTC) - timedelta(days=8))
    await mesh.peer.detach()
    response = await verification.client.post(
        "/v1/verifications",
        json=qr_body(mesh.peer.qr(licence), allow_offline=True),
        headers=counter,
    )
    assert response.status_code == 503
    assert "status list is" in response.json()["detail"]
