"""SM2/SM3 (国密) primitives: known-answer vectors, an independent reference, the nonce source."""

from __future__ import annotations

import random

import pytest

from wuzheng.issuance.seals import SealSuite, generate_seal_key
from wuzheng.issuance.seals import _sm2 as sm2
from wuzheng.issuance.seals._errors import KeyFormatError

# GB/T 32918.2-2016 / GM/T 0003.5-2012 example on the recommended curve, signer ID
# 1234567812345678, message "message digest".
KAT_D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
KAT_PUBLIC = bytes.fromhex(
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
KAT_Z = bytes.fromhex("B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3")
KAT_E = bytes.fromhex("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640")
KAT_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
KAT_SIGNATURE = bytes.fromhex(
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)
KAT_MESSAGE = b"message digest"


# -- a slow, obviously-written reference (affine coordinates), independent of GmSSL ------

Point = tuple[int, int] | None


def _add(p1: Point, p2: Point) -> Point:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % sm2.P == 0:
        return None
    if p1 == p2:
        lam = (3 * x1 * x1 + sm2.A) * pow(2 * y1, -1, sm2.P)
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, sm2.P)
    x3 = (lam * lam - x1 - x2) % sm2.P
    return x3, (lam * (x1 - x3) - y1) % sm2.P


def _mul(k: int, point: Point) -> Point:
    result: Point = None
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def _ref_public(d: int) -> bytes:
    point = _mul(d, (sm2.GX, sm2.GY))
    assert point is not None
    return point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")


def _ref_sign(d: int, e: bytes, k: int) -> bytes:
    point = _mul(k, (sm2.GX, sm2.GY))
    assert point is not None
    r = (int.from_bytes(e, "big") + point[0]) % sm2.N
    s = pow(1 + d, -1, sm2.N) * (k - r * d) % sm2.N
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _ref_verify(public: bytes, e: bytes, signature: bytes) -> bool:
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < sm2.N and 1 <= s < sm2.N) or (r + s) % sm2.N == 0:
        return False
    q = (int.from_bytes(public[:32], "big"), int.from_bytes(public[32:], "big"))
    point = _add(_mul(s, (sm2.GX, sm2.GY)), _mul((r + s) % sm2.N, q))
    return point is not None and (int.from_bytes(e, "big") + point[0]) % sm2.N == r


# -- known answers -------------------------------------------------------------------------


def test_sm3_known_answer() -> None:
    # GB/T 32905-2016 example 1.
    assert sm2.sm3(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_reference_reproduces_the_standard_example() -> None:
    assert _ref_public(KAT_D) == KAT_PUBLIC
    assert _ref_sign(KAT_D, KAT_E, KAT_K) == KAT_SIGNATURE


def test_z_and_digest_of_the_standard_example() -> None:
    assert sm2.z_value(KAT_PUBLIC) == KAT_Z
    assert sm2.message_digest(KAT_MESSAGE, KAT_PUBLIC) == KAT_E


def test_library_verifies_the_standard_signature() -> None:
    assert sm2.verify(KAT_PUBLIC, KAT_MESSAGE, KAT_SIGNATURE)
    assert not sm2.verify(KAT_PUBLIC, b"message digesT", KAT_SIGNATURE)


def test_our_signatures_verify_with_the_reference() -> None:
    private, public = sm2.generate_keypair()
    assert _ref_public(int.from_bytes(private, "big")) == public
    message = b'{"licence":"1.2.156.3005.2"}'
    signature = sm2.sign(private, public, message)
    assert len(signature) == 64
    assert _ref_verify(public, sm2.message_digest(message, public), signature)
    assert not _ref_verify(public, sm2.message_digest(message + b" ", public), signature)


def test_reference_signatures_verify_with_our_code() -> None:
    private, public = sm2.generate_keypair()
    d = int.from_bytes(private, "big")
    signature = _ref_sign(d, sm2.message_digest(b"hello", public), 0x1234567890ABCDEF)
    assert sm2.verify(public, b"hello", signature)


# -- rejections ----------------------------------------------------------------------------


def _with(signature: bytes, r: int | None = None, s: int | None = None) -> bytes:
    r_bytes = signature[:32] if r is None else r.to_bytes(32, "big")
    s_bytes = signature[32:] if s is None else s.to_bytes(32, "big")
    return r_bytes + s_bytes


@pytest.mark.parametrize(
    "mangle",
    [
        lambda sig: _with(sig, r=0),
        lambda sig: _with(sig, s=0),
        lambda sig: _with(sig, r=sm2.N),
        lambda sig: _with(sig, s=sm2.N + 1),
        lambda sig: _with(sig, s=int.from_bytes(sig[32:], "big") ^ 1),
        lambda sig: sig[:63],
        lambda sig: sig + b"\x00",
        lambda sig: b"",
    ],
)
def test_bad_signatures_are_rejected(mangle: object) -> None:
    assert callable(mangle)
    assert not sm2.verify(KAT_PUBLIC, KAT_MESSAGE, mangle(KAT_SIGNATURE))


def test_signature_by_another_key_is_rejected() -> None:
    private, public = sm2.generate_keypair()
    _, other = sm2.generate_keypair()
    assert not sm2.verify(other, b"m", sm2.sign(private, public, b"m"))


def test_off_curve_and_malformed_public_keys_are_refused() -> None:
    off_curve = KAT_PUBLIC[:63] + bytes([KAT_PUBLIC[63] ^ 1])
    for bad in (off_curve, KAT_PUBLIC[:32], b"\x04" + KAT_PUBLIC, bytes(64)):
        with pytest.raises(KeyFormatError):
            sm2.check_public_key(bad)
    too_big = (sm2.P + 1).to_bytes(32, "big") + KAT_PUBLIC[32:]
    with pytest.raises(KeyFormatError):
        sm2.check_public_key(too_big)


def test_private_key_range_is_checked() -> None:
    for bad in (bytes(32), (sm2.N - 1).to_bytes(32, "big"), b"\x01" * 31):
        with pytest.raises(KeyFormatError):
            sm2.check_private_key(bad)
    sm2.check_private_key((sm2.N - 2).to_bytes(32, "big"))


# -- the nonce -----------------------------------------------------------------------------


def test_nonce_is_fresh_for_every_signature() -> None:
    key = generate_seal_key(SealSuite.SM2_SM3)
    signatures = {key.sign(b"same message") for _ in range(20)}
    assert len(signatures) == 20  # a repeated k would leak the private key
    assert all(key.verify(b"same message", sig) for sig in signatures)


def test_signing_never_touches_the_random_module(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("non-cryptographic random source used")

    for name in ("random", "getrandbits", "randrange", "randint", "choice", "choices"):
        monkeypatch.setattr(random, name, forbidden)
        monkeypatch.setattr(random.Random, name, forbidden)
    key = generate_seal_key(SealSuite.SM2_SM3)
    assert key.verify(b"m", key.sign(b"m"))
