"""Verifying electronic seals (电子印章): the half of the seal cryptography every verifier needs.

Pure library code — no database, no web, no private keys. Issuers sign elsewhere; here a
verifier reads an issuer's published JWKS (:class:`JwkSet`, :class:`SealPublicKey`), checks a
compact JWS sealed with Ed25519 (``EdDSA``) or SM2/SM3 (``SM2SM3``, :mod:`wuzheng.seals.sm2`)
with :func:`verify_compact`, and reads the issuer's Status List Token
(:func:`read_status_list_token`) to look a licence's status up
(:meth:`StatusListToken.status_of`). A licence's QR form is read with
:func:`decode_qr_payload`.
"""

from wuzheng.seals._b64 import b64url_decode, b64url_encode
from wuzheng.seals._errors import (
    InvalidSignatureError,
    KeyFormatError,
    MalformedTokenError,
    QrFailure,
    QrPayloadError,
    SealError,
    StatusListError,
    TokenClaimsError,
    TokenError,
    TokenExpiredError,
    UnknownKeyError,
)
from wuzheng.seals._jws import (
    KeyLookup,
    UnverifiedJws,
    VerifiedJws,
    json_object,
    read_compact,
    verify_compact,
)
from wuzheng.seals._keys import JwkSet, SealPublicKey, jwk_thumbprint
from wuzheng.seals._qr import MAX_JWS_BYTES, QR_PREFIX, decode_qr_payload, encode_qr_payload
from wuzheng.seals._status_list import ALLOWED_BITS, Status, StatusList
from wuzheng.seals._status_token import (
    STATUS_LIST_LEEWAY,
    STATUS_LIST_TYP,
    StatusListToken,
    read_status_list_token,
    status_list_token_from,
)
from wuzheng.seals._suite import ED25519_JWS_ALG, SM2_JWS_ALG, SealSuite
from wuzheng.seals.sm2 import DEFAULT_SIGNER_ID as SM2_SIGNER_ID

__all__ = [
    "ALLOWED_BITS",
    "ED25519_JWS_ALG",
    "MAX_JWS_BYTES",
    "QR_PREFIX",
    "SM2_JWS_ALG",
    "SM2_SIGNER_ID",
    "STATUS_LIST_LEEWAY",
    "STATUS_LIST_TYP",
    "InvalidSignatureError",
    "JwkSet",
    "KeyFormatError",
    "KeyLookup",
    "MalformedTokenError",
    "QrFailure",
    "QrPayloadError",
    "SealError",
    "SealPublicKey",
    "SealSuite",
    "Status",
    "StatusList",
    "StatusListError",
    "StatusListToken",
    "TokenClaimsError",
    "TokenError",
    "TokenExpiredError",
    "UnknownKeyError",
    "UnverifiedJws",
    "VerifiedJws",
    "b64url_decode",
    "b64url_encode",
    "decode_qr_payload",
    "encode_qr_payload",
    "json_object",
    "jwk_thumbprint",
    "read_compact",
    "read_status_list_token",
    "status_list_token_from",
    "verify_compact",
]
