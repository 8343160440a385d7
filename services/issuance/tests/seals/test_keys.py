"""Seal keys: generation, public JWKs, encryption at rest, and keeping the private half private."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import logging
import pickle
from datetime import UTC, datetime, timedelta, timezone

import pytest

from wuzheng.issuance.seals import (
    KeyDecryptionError,
    KeyFormatError,
    SealKey,
    SealPublicKey,
    SealSuite,
    derive_kek,
    generate_seal_key,
)
from wuzheng.seals import b64url_decode, b64url_encode

KEK = derive_kek("a settings secret for tests")
SUITES = list(SealSuite)


def _private_bytes(key: SealKey) -> bytes:
    return key._private  # white-box: what must never leak


@pytest.fixture(params=SUITES, ids=[s.value for s in SUITES])
def key(request: pytest.FixtureRequest) -> SealKey:
    suite: SealSuite = request.param
    return generate_seal_key(suite)


def test_ed25519_jwk_is_a_standard_okp_key() -> None:
    key = generate_seal_key()
    jwk = key.public_jwk()
    assert key.suite is SealSuite.ED25519
    assert set(jwk) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert len(b64url_decode(jwk["x"])) == 32
    assert jwk["kid"] == key.kid


def test_sm2_jwk_is_an_ec_key_with_private_use_names() -> None:
    key = generate_seal_key(SealSuite.SM2_SM3)
    jwk = key.public_jwk()
    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("EC", "SM2", "SM2SM3", "sig")
    assert len(b64url_decode(jwk["x"])) == len(b64url_decode(jwk["y"])) == 32


def test_kid_is_the_rfc7638_thumbprint(key: SealKey) -> None:
    jwk = key.public_jwk()
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y") if name in jwk}
    digest = hashlib.sha256(
        json.dumps(required, sort_keys=True, separators=(",", ":")).encode()
    ).digest()
    assert key.kid == b64url_encode(digest) == key.public_key.thumbprint()


def test_rfc8037_ed25519_thumbprint_vector() -> None:
    # RFC 8037 appendix A.3.
    public = SealPublicKey.from_jwk(
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            "kid": "any",
        }
    )
    assert public.thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_keys_are_distinct() -> None:
    assert generate_seal_key().kid != generate_seal_key().kid


def test_jwk_round_trip(key: SealKey) -> None:
    public = SealPublicKey.from_jwk(key.public_jwk())
    assert public == key.public_key
    assert public.verify(b"data", key.sign(b"data"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kid": None}, "kid"),
        ({"use": "enc"}, "signature key"),
        ({"d": "AAAA"}, "private"),
        ({"alg": "ES256"}, "alg"),
        ({"kty": "RSA"}, "unsupported"),
        ({"crv": "X25519"}, "unsupported"),
        ({"x": "not base64!"}, "base64url"),
        ({"x": "AAAA"}, "32 bytes"),
    ],
)
def test_unusable_jwks_are_refused(change: dict[str, object], message: str) -> None:
    jwk: dict[str, object] = dict(generate_seal_key().public_jwk())
    jwk.update(change)
    with pytest.raises(KeyFormatError, match=message):
        SealPublicKey.from_jwk({k: v for k, v in jwk.items() if v is not None})


def test_sm2_jwk_off_the_curve_is_refused() -> None:
    jwk = generate_seal_key(SealSuite.SM2_SM3).public_jwk()
    y = bytearray(b64url_decode(jwk["y"]))
    y[-1] ^= 1
    with pytest.raises(KeyFormatError, match="curve"):
        SealPublicKey.from_jwk({**jwk, "y": b64url_encode(bytes(y))})
    with pytest.raises(KeyFormatError, match="32 bytes"):
        SealPublicKey.from_jwk({**jwk, "y": "AAAA"})


# -- encryption at rest --------------------------------------------------------------------


def test_encryption_round_trip(key: SealKey) -> None:
    blob = key.encrypt(KEK)
    opened = SealKey.decrypt(blob, KEK, kid=key.kid)
    assert (opened.kid, opened.suite, opened.created_at) == (key.kid, key.suite, key.created_at)
    assert opened.public_jwk() == key.public_jwk()
    assert key.verify(b"after reload", opened.sign(b"after reload"))
    assert SealKey.decrypt(blob, KEK).kid == key.kid  # kid optional: read from the blob


def test_blob_does_not_contain_the_private_key(key: SealKey) -> None:
    blob = key.encrypt(KEK)
    private = _private_bytes(key)
    for form in (private, b64url_encode(private).encode(), private.hex().encode()):
        assert form not in blob


def test_each_encryption_uses_a_fresh_nonce(key: SealKey) -> None:
    assert key.encrypt(KEK) != key.encrypt(KEK)


def test_wrong_kek_fails(key: SealKey) -> None:
    blob = key.encrypt(KEK)
    with pytest.raises(KeyDecryptionError, match="wrong key-encryption key"):
        SealKey.decrypt(blob, derive_kek("another secret"))


def test_kid_mismatch_fails(key: SealKey) -> None:
    other = generate_seal_key(key.suite)
    with pytest.raises(KeyDecryptionError, match="belongs to kid"):
        SealKey.decrypt(key.encrypt(KEK), KEK, kid=other.kid)


def test_relabelled_blob_fails(key: SealKey) -> None:
    # Swap the kid in the clear header for another of the same length: the kid is
    # associated data, so GCM refuses.
    other = generate_seal_key(key.suite)
    blob = key.encrypt(KEK)
    relabelled = blob.replace(key.kid.encode(), other.kid.encode(), 1)
    assert relabelled != blob
    with pytest.raises(KeyDecryptionError):
        SealKey.decrypt(relabelled, KEK, kid=other.kid)


@pytest.mark.parametrize("position", [0, 1, 5, -30, -1])
def test_tampered_or_truncated_blob_fails(key: SealKey, position: int) -> None:
    blob = bytearray(key.encrypt(KEK))
    blob[position] ^= 0x01
    with pytest.raises(KeyDecryptionError):
        SealKey.decrypt(bytes(blob), KEK)
    with pytest.raises(KeyDecryptionError):
        SealKey.decrypt(bytes(blob[:40]), KEK)
    with pytest.raises(KeyDecryptionError):
        SealKey.decrypt(b"", KEK)


def test_kek_must_be_256_bits(key: SealKey) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        key.encrypt(b"short")
    with pytest.raises(ValueError, match="32 bytes"):
        SealKey.decrypt(key.encrypt(KEK), KEK + b"x")


def test_derive_kek() -> None:
    assert derive_kek("changeme") == derive_kek("changeme")
    assert len(derive_kek("changeme")) == 32
    assert derive_kek("changeme") != derive_kek("changemf")
    with pytest.raises(ValueError, match="empty"):
        derive_kek("")


# -- the private half stays private --------------------------------------------------------


def test_private_key_not_in_repr_or_str(key: SealKey, caplog: pytest.LogCaptureFixture) -> None:
    private = _private_bytes(key)
    logging.getLogger("test").warning("key %r / %s", key, key)
    shown = [repr(key), str(key), f"{key}", caplog.text]
    forms = [
        private.hex(),
        private.hex().upper(),
        b64url_encode(private),
        base64.b64encode(private).decode(),
        repr(private),
    ]
    for text in shown:
        assert key.kid in text
        for form in forms:
            assert form not in text


def test_public_key_repr_shows_no_key_bytes(key: SealKey) -> None:
    assert b64url_encode(key.public_key.public_bytes) not in repr(key.public_key)


def test_seal_key_cannot_be_pickled_or_copied(key: SealKey) -> None:
    with pytest.raises(TypeError, match="encrypt"):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        copy.deepcopy(key)


def test_created_at_is_utc_and_must_be_aware() -> None:
    local = datetime(2025, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    key = generate_seal_key(created_at=local)
    assert key.created_at == local
    assert key.created_at.tzinfo is UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_seal_key(created_at=datetime(2025, 3, 1))


def test_ed25519_parts_must_belong_together() -> None:
    a, b = generate_seal_key(), generate_seal_key()
    with pytest.raises(KeyFormatError, match="does not belong"):
        SealKey(
            suite=SealSuite.ED25519,
            private_bytes=_private_bytes(a),
            public_bytes=b.public_key.public_bytes,
            created_at=datetime.now(UTC),
        )
