"""Keyrings: rotation keeps old public keys for verification; JWKS publishes them."""

from __future__ import annotations

import pytest

from wuzheng.issuance.seals import (
    Keyring,
    SealKey,
    SealPublicKey,
    SealSuite,
    UnknownKeyError,
    derive_kek,
    generate_seal_key,
    sign_compact,
    verify_compact,
)

ISSUER = "11370784004377538A"


def test_generate() -> None:
    ring = Keyring.generate(ISSUER)
    assert ring.issuer == ISSUER
    assert ring.active.suite is SealSuite.ED25519
    assert ring.retired == ()
    assert ring.jwks() == {"keys": [ring.active.public_jwk()]}


def test_rotation_keeps_old_tokens_verifiable_and_signs_with_the_new_key() -> None:
    ring = Keyring.generate(ISSUER)
    old = ring.active
    old_token = sign_compact({"n": 1}, ring.active)
    new = ring.rotate()
    assert ring.active is new
    assert new.kid != old.kid
    assert ring.retired == (old.public_key,)
    new_token = sign_compact({"n": 2}, ring.active)
    assert verify_compact(new_token, ring).header["kid"] == new.kid
    # Old tokens verify through the keyring and through the published JWKS alone.
    jwks = ring.jwks()
    assert [k["kid"] for k in jwks["keys"]] == [new.kid, old.kid]
    assert verify_compact(old_token, jwks).claims == {"n": 1}
    assert verify_compact(old_token, ring).header["kid"] == old.kid


def test_rotation_can_change_the_suite() -> None:
    ring = Keyring.generate(ISSUER)
    ed_token = sign_compact({"n": 1}, ring.active)
    sm2 = ring.rotate(suite=SealSuite.SM2_SM3)
    sm2_token = sign_compact({"n": 2}, ring.active)
    assert verify_compact(sm2_token, ring.jwks()).header["alg"] == "SM2SM3"
    assert verify_compact(ed_token, ring.jwks()).header["alg"] == "EdDSA"
    assert ring.rotate().suite is SealSuite.SM2_SM3  # the suite carries over
    assert verify_compact(sm2_token, ring.jwks()).header["kid"] == sm2.kid
    assert len(ring.jwks()["keys"]) == 3


def test_jwks_publishes_no_private_material() -> None:
    ring = Keyring.generate(ISSUER, SealSuite.SM2_SM3)
    ring.rotate(suite=SealSuite.ED25519)
    for jwk in ring.jwks()["keys"]:
        assert "d" not in jwk
        assert jwk["use"] == "sig"


def test_rotate_with_a_prepared_key() -> None:
    ring = Keyring.generate(ISSUER)
    prepared = generate_seal_key(SealSuite.SM2_SM3)
    assert ring.rotate(prepared) is prepared
    with pytest.raises(ValueError, match="already"):
        ring.rotate(prepared)
    with pytest.raises(ValueError, match="suite"):
        ring.rotate(generate_seal_key(SealSuite.ED25519), suite=SealSuite.SM2_SM3)


def test_retired_key_cannot_sign_but_still_verifies() -> None:
    ring = Keyring.generate(ISSUER)
    old = ring.active
    ring.rotate()
    found = ring.find(old.kid)
    assert isinstance(found, SealPublicKey)
    assert not isinstance(found, SealKey)
    assert ring.find("nope") is None


def test_dropping_a_retired_key_makes_its_tokens_unverifiable() -> None:
    ring = Keyring.generate(ISSUER)
    token = sign_compact({"n": 1}, ring.active)
    ring.rotate()
    trimmed = Keyring(ISSUER, ring.active)  # the service rebuilt without the retired key
    with pytest.raises(UnknownKeyError):
        verify_compact(token, trimmed)


def test_rebuild_from_storage() -> None:
    """What the service does on start-up: decrypt the active key, read retired public JWKs."""
    kek = derive_kek("changeme")
    ring = Keyring.generate(ISSUER)
    token = sign_compact({"n": 1}, ring.active)
    ring.rotate()
    stored_active = (ring.active.kid, ring.active.encrypt(kek))
    stored_retired = [k.to_jwk() for k in ring.retired]

    kid, blob = stored_active
    rebuilt = Keyring(
        ISSUER,
        SealKey.decrypt(blob, kek, kid=kid),
        [SealPublicKey.from_jwk(jwk) for jwk in stored_retired],
    )
    assert rebuilt.jwks() == ring.jwks()
    assert verify_compact(token, rebuilt).claims == {"n": 1}


def test_duplicate_kids_are_refused() -> None:
    key = generate_seal_key()
    with pytest.raises(ValueError, match="twice"):
        Keyring(ISSUER, key, [key.public_key])
    other = generate_seal_key()
    with pytest.raises(ValueError, match="twice"):
        Keyring(ISSUER, key, [other, other.public_key])


def test_repr_names_kids_only() -> None:
    ring = Keyring.generate(ISSUER)
    ring.rotate()
    text = repr(ring)
    assert ring.active.kid in text
    assert ring.retired[0].kid in text
