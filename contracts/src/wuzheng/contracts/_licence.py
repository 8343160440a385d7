"""Licence states and verification outcomes shared by issuance, verification and rescode."""

from __future__ import annotations

from enum import StrEnum


class LicenceStatus(StrEnum):
    """Where a licence stands. ``gbt_code`` gives the GB/T 36903 status code."""

    PENDING_SEALS = "pending_seals"  # joint seal incomplete: not yet valid
    VALID = "valid"  # 01 有效
    SUSPENDED = "suspended"  # 02 暂扣
    REVOKED = "revoked"  # 03 撤销 (annulled) or 07 吊销 (revoked as a penalty)
    CANCELLED = "cancelled"  # 04 注销
    EXPIRED = "expired"  # 05 失效 by date
    SUPERSEDED = "superseded"  # 05 失效: a newer version replaced it

    @property
    def is_final(self) -> bool:
        return self in (LicenceStatus.REVOKED, LicenceStatus.CANCELLED, LicenceStatus.SUPERSEDED)

    def gbt_code(self, revocation: RevocationKind | None = None) -> str | None:
        if self is LicenceStatus.REVOKED:
            return "07" if revocation is RevocationKind.PENALTY else "03"
        return _GBT_CODES.get(self)


class RevocationKind(StrEnum):
    ANNULLED = "annulled"  # 撤销: issued in error
    PENALTY = "penalty"  # 吊销: withdrawn as an administrative penalty


_GBT_CODES = {
    LicenceStatus.VALID: "01",
    LicenceStatus.SUSPENDED: "02",
    LicenceStatus.CANCELLED: "04",
    LicenceStatus.EXPIRED: "05",
    LicenceStatus.SUPERSEDED: "05",
}


class VerificationOutcome(StrEnum):
    """What an issuer answers about a licence it is asked to verify."""

    VALID = "valid"
    PENDING_SEALS = "pending_seals"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    NOT_FOUND = "not_found"
    HOLDER_MISMATCH = "holder_mismatch"

    @classmethod
    def of(cls, status: LicenceStatus) -> VerificationOutcome:
        return cls(status.value)


class VerificationMode(StrEnum):
    ONLINE = "online"  # answered and signed by the issuer just now
    OFFLINE = "offline"  # checked against the issuer's cached keys and status list
