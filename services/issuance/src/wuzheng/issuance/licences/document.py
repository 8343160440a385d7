"""What a seal signs, and what the QR code carries.

A licence's *document* is its canonical content (RFC 8785 form when signed)::

    {"id": "1.2.156.3005.2.…", "no": "…", "version": 1,
     "type": {"code": "…", "name": "营业执照"},
     "issuer": {"code": "<USCC>", "name": "…", "department": "market-regulation"},
     "holder": "001:<USCC>", "valid_from": "2024-01-01", "valid_until": null,
     "issued_on": "2024-01-01", "fields": {…}, "seals": ["market-regulation", …],
     "previous": null}

Each department's seal is a compact JWS (``typ`` :data:`LICENCE_JWS_TYPE`) whose payload is
the JWT claim set ``{"iss": <sealer's issuer code>, "sub": <licence id>, "iat": …,
"lic": <document>, "status": {"status_list": {"idx": …, "uri": …}}}`` — any JOSE library
verifies it with the sealer's JWKS. The QR code carries a smaller token
(:func:`qr_claims`, ``typ`` :data:`QR_JWS_TYPE`): identifiers, dates, the status reference
and a digest of the holder code instead of personal fields.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from typing import Any, Final

from wuzheng.contracts import HolderCode
from wuzheng.issuance.offline import status_reference
from wuzheng.issuance.seals import SealKey, sign_compact

LICENCE_JWS_TYPE: Final = "wuzheng-licence+jwt"
QR_JWS_TYPE: Final = "wuzheng-licence-qr+jwt"


def build_document(
    *,
    licence_id: str,
    licence_no: str,
    version: int,
    type_code: str,
    type_name: str,
    issuer_code: str,
    issuer_name: str,
    department: str,
    holder: HolderCode,
    valid_from: date,
    valid_until: date | None,
    issued_on: date,
    fields: dict[str, Any],
    seals: list[str],
    previous: str | None,
) -> dict[str, Any]:
    return {
        "id": licence_id,
        "no": licence_no,
        "version": version,
        "type": {"code": type_code, "name": type_name},
        "issuer": {"code": issuer_code, "name": issuer_name, "department": department},
        "holder": str(holder),
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "issued_on": issued_on.isoformat(),
        "fields": dict(sorted(fields.items())),
        "seals": list(seals),
        "previous": previous,
    }


def seal_claims(
    document: dict[str, Any], sealer_issuer_code: str, sealed_at: datetime, status: dict[str, Any]
) -> dict[str, Any]:
    return {
        "iss": sealer_issuer_code,
        "sub": document["id"],
        "iat": int(sealed_at.timestamp()),
        "lic": document,
        "status": status,
    }


def seal(
    document: dict[str, Any],
    key: SealKey,
    sealer_issuer_code: str,
    sealed_at: datetime,
    status_index: int,
    status_uri: str,
) -> str:
    """One department's seal on the document: a compact JWS of :func:`seal_claims`."""
    claims = seal_claims(
        document, sealer_issuer_code, sealed_at, status_reference(status_index, status_uri)
    )
    return sign_compact(claims, key, typ=LICENCE_JWS_TYPE)


def holder_digest(licence_id: str, holder: str) -> str:
    """SHA-256 of ``<licence id>\\n<holder code>`` (base64url): lets an offline verifier
    check the holder in front of it without the QR code spelling out an ID number."""
    digest = hashlib.sha256(f"{licence_id}\n{holder}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def qr_claims(
    document: dict[str, Any], issued_at: datetime, status_index: int, status_uri: str
) -> dict[str, Any]:
    holder = HolderCode(document["holder"])
    claims: dict[str, Any] = {
        "iss": document["issuer"]["code"],
        "sub": document["id"],
        "iat": int(issued_at.timestamp()),
        "no": document["no"],
        "lt": document["type"]["code"],
        "ln": document["type"]["name"],
        "v": document["version"],
        "vf": document["valid_from"],
        "hm": holder.masked(),
        "hd": holder_digest(document["id"], str(holder)),
        "status": status_reference(status_index, status_uri),
    }
    if document["valid_until"] is not None:
        claims["vu"] = document["valid_until"]
    return claims
