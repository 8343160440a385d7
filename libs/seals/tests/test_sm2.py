"""SM2/SM3 verification: the standard's example, GmSSL's own signatures, JWS with SM2SM3."""

from __future__ import annotations

import gmssl_pyx
import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from wuzheng.seals import InvalidSignatureError, JwkSet, b64url_encode, sm2, verify_compact

# GB/T 32918.2-2016 (GM/T 0003.5-2012) example on the recommended curve, ID 1234567812345678.
KAT_PUBLIC = bytes.fromhex(
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
KAT_Z = bytes.fromhex("B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3")
KAT_SIGNATURE = bytes.fromhex(
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)


def test_the_standards_example_verifies() -> None:
    assert sm2.z_value(KAT_PUBLIC) == KAT_Z
    assert sm2.verify(KAT_PUBLIC, b"message digest", KAT_SIGNATURE)
    assert not sm2.verify(KAT_PUBLIC, b"message digesT", KAT_SIGNATURE)
    assert not sm2.verify(KAT_PUBLIC, b"message digest", KAT_SIGNATURE[:-1] + b"\x00")
    assert not sm2.verify(KAT_PUBLIC, b"message digest", KAT_SIGNATURE[:63])
    assert not sm2.verify(KAT_PUBLIC, b"message digest", bytes(64))  # r = s = 0
    off_curve = KAT_PUBLIC[:-1] + bytes([KAT_PUBLIC[-1] ^ 1])
    assert not sm2.is_curve_point(off_curve)
    assert not sm2.verify(off_curve, b"message digest", KAT_SIGNATURE)


def raw(der: bytes) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_gmssl_message_signatures_verify() -> None:
    # GmSSL's message-level signing computes Z itself: an independent check of ours.
    public, private = gmssl_pyx.sm2_key_generate()
    for message in (b"", b"hello", "谁制发、谁核验".encode() * 50):
        signature = raw(bytes(gmssl_pyx.sm2_sign(bytes(private), bytes(public), message)))
        assert sm2.verify(bytes(public), message, signature)
        assert not sm2.verify(bytes(public), message + b"!", signature)


def test_sm2_jws() -> None:
    public, private = gmssl_pyx.sm2_key_generate()
    public = bytes(public)
    jwk = {
        "kty": "EC",
        "crv": "SM2",
        "x": b64url_encode(public[:32]),
        "y": b64url_encode(public[32:]),
        "kid": "sm2",
        "alg": "SM2SM3",
    }
    keys = JwkSet.parse({"keys": [jwk]})
    header = b64url_encode(b'{"alg":"SM2SM3","kid":"sm2"}')
    signing_input = header + "." + b64url_encode(b'{"a":1}')
    signature = raw(bytes(gmssl_pyx.sm2_sign(bytes(private), public, signing_input.encode())))
    assert verify_compact(f"{signing_input}.{b64url_encode(signature)}", keys).claims == {"a": 1}
    with pytest.raises(InvalidSignatureError):
        verify_compact(f"{signing_input}.{b64url_encode(signature[::-1])}", keys)
