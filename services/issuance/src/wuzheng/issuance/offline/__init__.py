"""Offline checks: signed status lists and the compact QR form of a sealed licence.

With the issuer's JWKS and its latest status list token, a verifier checks a scanned licence
without calling the issuer: :func:`decode_qr_payload` → ``verify_compact`` →
:meth:`StatusListToken.status_of` on the licence's ``status`` claim.
"""

from wuzheng.issuance.offline._qr import qr_modules, qr_png, qr_svg
from wuzheng.issuance.offline._status_token import (
    parse_status_list_token,
    status_list_token,
    status_reference,
)
from wuzheng.seals import (
    QR_PREFIX,
    STATUS_LIST_TYP,
    QrPayloadError,
    Status,
    StatusList,
    StatusListError,
    StatusListToken,
    decode_qr_payload,
    encode_qr_payload,
)

__all__ = [
    "QR_PREFIX",
    "STATUS_LIST_TYP",
    "QrPayloadError",
    "Status",
    "StatusList",
    "StatusListError",
    "StatusListToken",
    "decode_qr_payload",
    "encode_qr_payload",
    "parse_status_list_token",
    "qr_modules",
    "qr_png",
    "qr_svg",
    "status_list_token",
    "status_reference",
]
