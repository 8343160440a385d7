"""Sealed licences as the issuance service signs them, read for an offline check.

Two forms (compact JWS, verified with the sealer's JWKS):

- the QR token, ``typ`` ``wuzheng-licence-qr+jwt``: ``iss`` (issuer code), ``sub`` (licence
  id), ``lt`` (type code), ``vf``/``vu`` (validity), ``hd`` = base64url(SHA-256(``<licence
  id>\\n<holder code>``)) — the holder in front of the counter is checked against this digest,
  the code never spells out the ID number — and ``status`` (its status list entry);
- a department's seal, ``typ`` ``wuzheng-licence+jwt``: ``iss`` (the sealer), ``sub``,
  ``lic`` (the licence document: ``holder``, ``type.code``, ``valid_from``, ``valid_until``)
  and ``status``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from wuzheng.contracts import HolderCode
from wuzheng.seals import UnverifiedJws

QR_TYP: Final = "wuzheng-licence-qr+jwt"
SEAL_TYP: Final = "wuzheng-licence+jwt"
LICENCE_TYPS: Final = (QR_TYP, SEAL_TYP)


class SealedLicenceError(ValueError):
    """A token that is not a sealed licence we can read."""


def holder_digest(licence_id: str, holder: str) -> str:
    digest = hashlib.sha256(f"{licence_id}\n{holder}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _date(value: Any, name: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise SealedLicenceError(f"{name} is not a date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SealedLicenceError(f"{name} is not an ISO date") from None


@dataclass(frozen=True)
class LicenceClaims:
    licence_id: str
    sealer: str
    type_code: str | None
    valid_from: date | None
    valid_until: date | None
    status: Mapping[str, Any] | None
    holder_digest: str | None
    holder: str | None

    def held_by(self, holder: HolderCode) -> bool:
        if self.holder is not None:
            return self.holder == str(holder)
        if self.holder_digest is not None:
            expected = holder_digest(self.licence_id, str(holder))
            return hmac.compare_digest(expected, self.holder_digest)
        return False

    @classmethod
    def read(cls, token: UnverifiedJws) -> LicenceClaims:
        """The claims of a sealed licence (signature not checked here)."""
        typ = str(token.header.get("typ", "")).lower().removeprefix("application/")
        claims = token.claims
        licence_id, sealer = claims.get("sub"), claims.get("iss")
        if not isinstance(licence_id, str) or not isinstance(sealer, str):
            raise SealedLicenceError("a sealed licence names its licence (sub) and sealer (iss)")
        status = claims.get("status")
        if status is not None and not isinstance(status, Mapping):
            raise SealedLicenceError("the status claim is not an object")
        if typ == QR_TYP:
            digest = claims.get("hd")
            return cls(
                licence_id=licence_id,
                sealer=sealer,
                type_code=claims.get("lt") if isinstance(claims.get("lt"), str) else None,
                valid_from=_date(claims.get("vf"), "vf"),
                valid_until=_date(claims.get("vu"), "vu"),
                status=status,
                holder_digest=digest if isinstance(digest, str) else None,
                holder=None,
            )
        if typ == SEAL_TYP:
            document = claims.get("lic")
            if not isinstance(document, Mapping):
                raise SealedLicenceError("a sealed licence carries its document (lic)")
            kind = document.get("type")
            holder = document.get("holder")
            return cls(
                licence_id=licence_id,
                sealer=sealer,
                type_code=kind.get("code") if isinstance(kind, Mapping) else None,
                valid_from=_date(document.get("valid_from"), "valid_from"),
                valid_until=_date(document.get("valid_until"), "valid_until"),
                status=status,
                holder_digest=None,
                holder=holder if isinstance(holder, str) else None,
            )
        raise SealedLicenceError(f"not a sealed licence (typ {token.header.get('typ')!r})")
