"""Seal keys per issuer: created on first need, encrypted at rest, rotated (old public keys
kept, suite changeable), published as JWKS and as ``certificate.issuer.served``."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
import sqlalchemy as sa

from wuzheng.issuance.context import context_of
from wuzheng.issuance.issuers.models import SealKeyRecord
from wuzheng.issuance.seals import KeyDecryptionError, SealKey, derive_kek, verify_compact
from wuzheng.issuance.settings import IssuanceSettings
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
    }
    headers = {**service.auth(MARKET, "licences:issue"), "Idempotency-Key": f"i-{n}"}
    response = await service.client.post("/v1/licences", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def pyjwt_claims(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    return dict(jwt.decode(token, key=key, algorithms=["EdDSA"]))


async def test_rotation_keeps_old_seals_verifiable(issuance: RunningService, tap: EventTap) -> None:
    client = issuance.client
    assert (await client.get(f"/v1/issuers/{ISSUER}/jwks.json")).status_code == 404
    old = await issue(issuance, 1)
    jwks = (await client.get(f"/v1/issuers/{ISSUER}/jwks.json")).json()
    assert [k["kty"] for k in jwks["keys"]] == ["OKP"]
    assert all("d" not in k for k in jwks["keys"])

    manage = issuance.auth(MARKET, "licences:manage")
    rotated = await client.post(f"/v1/issuers/{ISSUER}/keys/rotate", json={}, headers=manage)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["suite"] == "ed25519"
    new_kid = rotated.json()["active_kid"]
    new = await issue(issuance, 2)
    jwks = (await client.get(f"/v1/issuers/{ISSUER}/jwks.json")).json()
    assert next(k["kid"] for k in jwks["keys"]) == new_kid
    assert len(jwks["keys"]) == 2
    assert pyjwt_claims(old["seal"], jwks)["sub"] == old["licence_id"]
    assert pyjwt_claims(new["seal"], jwks)["sub"] == new["licence_id"]
    assert jwt.get_unverified_header(new["seal"])["kid"] == new_kid

    served = await tap.wait_for("certificate.issuer.served", count=2)
    assert served[1].payload().jwks == jwks
    assert served[1].payload().verify_subject == f"verify.{ISSUER}"

    # Moving to SM2/SM3: new seals are SM2, old Ed25519 ones still verify.
    sm2 = await client.post(
        f"/v1/issuers/{ISSUER}/keys/rotate", json={"suite": "sm2-sm3"}, headers=manage
    )
    assert sm2.json()["suite"] == "sm2-sm3"
    third = await issue(issuance, 3)
    jwks = (await client.get(f"/v1/issuers/{ISSUER}/jwks.json")).json()
    assert [k["kty"] for k in jwks["keys"]] == ["EC", "OKP", "OKP"]
    assert verify_compact(third["seal"], jwks).header["alg"] == "SM2SM3"
    assert pyjwt_claims(old["seal"], jwks)["sub"] == old["licence_id"]  # PyJWT skips SM2 keys

    listed = (await client.get("/v1/issuers")).json()
    assert [(i["issuer_code"], i["suite"]) for i in listed] == [(ISSUER, "sm2-sm3")]


async def test_rotation_is_for_the_issuers_own_department(issuance: RunningService) -> None:
    await issue(issuance, 1)
    client = issuance.client
    other = await client.post(
        f"/v1/issuers/{ISSUER}/keys/rotate",
        json={},
        headers=issuance.auth("public-security", "licences:manage"),
    )
    assert other.status_code == 403
    no_scope = await client.post(
        f"/v1/issuers/{ISSUER}/keys/rotate",
        json={},
        headers=issuance.auth(MARKET, "licences:issue"),
    )
    assert no_scope.status_code == 403
    unknown = await client.post(
        "/v1/issuers/91370784MA0000001L/keys/rotate",
        json={},
        headers=issuance.auth(MARKET, "licences:manage"),
    )
    assert unknown.status_code == 404
    bad = await client.post(
        f"/v1/issuers/{ISSUER}/keys/rotate",
        json={"suite": "rsa"},
        headers=issuance.auth(MARKET, "licences:manage"),
    )
    assert bad.status_code == 422
    assert (await client.get("/v1/issuers/11370784PH3724083X/jwks.json")).status_code == 422


async def test_a_department_may_choose_its_suite_before_its_first_seal(
    issuance: RunningService,
) -> None:
    police = "11370784PH40135152"
    first = await issuance.client.post(
        f"/v1/issuers/{police}/keys/rotate",
        json={"suite": "sm2-sm3"},
        headers=issuance.auth("public-security", "licences:manage"),
    )
    assert first.status_code == 200, first.text
    assert first.json()["suite"] == "sm2-sm3"
    assert [k["crv"] for k in first.json()["jwks"]["keys"]] == ["SM2"]


async def test_private_keys_are_encrypted_at_rest(issuance: RunningService) -> None:
    await issue(issuance, 1)
    async with issuance.runtime.database.sessionmaker() as session:
        record = (await session.scalars(sa.select(SealKeyRecord))).one()
    assert record.private_blob is not None
    settings = issuance.settings
    assert isinstance(settings, IssuanceSettings)
    key = SealKey.decrypt(
        record.private_blob, derive_kek(settings.seal_key_secret.get_secret_value()), kid=record.kid
    )
    assert key.public_jwk() == record.public_jwk
    with pytest.raises(KeyDecryptionError):
        SealKey.decrypt(record.private_blob, derive_kek("another secret"), kid=record.kid)
    assert "d" not in record.public_jwk
    assert settings.seal_key_secret.get_secret_value() not in repr(settings)
    context_of(issuance.runtime)  # wired


async def test_a_retired_private_key_is_erased(issuance: RunningService) -> None:
    await issue(issuance, 1)
    await issuance.client.post(
        f"/v1/issuers/{ISSUER}/keys/rotate",
        json={},
        headers=issuance.auth(MARKET, "licences:manage"),
    )
    async with issuance.runtime.database.sessionmaker() as session:
        records = (
            await session.scalars(sa.select(SealKeyRecord).order_by(SealKeyRecord.created_at))
        ).all()
    assert [r.private_blob is None for r in records] == [True, False]
    assert records[0].retired_at is not None


def test_the_placeholder_secret_is_refused_outside_dev() -> None:
    with pytest.raises(ValueError, match="ISSUANCE_SEAL_KEY_SECRET"):
        IssuanceSettings(environment="production")
    assert IssuanceSettings(
        environment="production", seal_key_secret="s3cr3t-from-vault"
    ).seal_key_secret
