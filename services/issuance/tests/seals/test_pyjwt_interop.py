"""PyJWT, an independent JOSE implementation, verifies our Ed25519 seals with the published JWKS."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from wuzheng.issuance.seals import (
    Keyring,
    SealSuite,
    canonical_json,
    sign_compact,
    verify_compact,
)

ISSUER = "11370784004377538A"
LICENCE = {"id": "1.2.156.3005.2.x", "holder": "张三", "n": 7}


def test_pyjwt_verifies_our_jws_with_the_published_jwk() -> None:
    ring = Keyring.generate(ISSUER)
    token = sign_compact(LICENCE, ring.active, typ="wz-licence+jws")
    jwks = json.loads(json.dumps(ring.jwks()))  # as fetched from jwks.json
    jwk = jwt.PyJWKSet.from_dict(jwks)[ring.active.kid]
    assert jwk.algorithm_name == "EdDSA"
    decoded = jwt.PyJWS().decode_complete(token, key=jwk.key, algorithms=["EdDSA"])
    assert decoded["payload"] == canonical_json(LICENCE)
    assert decoded["header"] == {"alg": "EdDSA", "kid": ring.active.kid, "typ": "wz-licence+jws"}
    # …and as a JWT, claims and all.
    assert jwt.decode(token, key=jwk, algorithms=["EdDSA"]) == LICENCE


def test_pyjwt_rejects_what_we_reject() -> None:
    ring = Keyring.generate(ISSUER)
    header, _, signature = sign_compact(LICENCE, ring.active).split(".")
    forged = sign_compact({"id": "forged"}, ring.active).split(".")[1]
    jwk = jwt.PyJWK(ring.active.public_jwk())
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.PyJWS().decode_complete(f"{header}.{forged}.{signature}", key=jwk, algorithms=["EdDSA"])


def test_pyjwt_verifies_old_tokens_after_rotation_even_with_an_sm2_key_published() -> None:
    ring = Keyring.generate(ISSUER)
    old_token = sign_compact(LICENCE, ring.active)
    ring.rotate(suite=SealSuite.SM2_SM3)
    ring.rotate(suite=SealSuite.ED25519)
    # PyJWT skips the SM2 key it cannot use and still finds the Ed25519 ones.
    key_set = jwt.PyJWKSet.from_dict(ring.jwks())
    assert len(key_set.keys) == 2
    old_kid = ring.retired[-1].kid
    assert jwt.decode(old_token, key=key_set[old_kid], algorithms=["EdDSA"]) == LICENCE


def test_we_verify_tokens_pyjwt_signed() -> None:
    private = Ed25519PrivateKey.generate()
    jwk = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
    jwk.update(kid="external-1", alg="EdDSA", use="sig")
    claims = {"sub": "x", "n": 1}
    token = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": "external-1"})
    assert verify_compact(token, {"keys": [jwk]}).claims == claims
