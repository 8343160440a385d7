"""Reading Status List Tokens: a status list sealed by its issuer as a JWT (``typ``
statuslist+jwt, IETF Token Status List)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from wuzheng.seals._errors import StatusListError, TokenClaimsError, TokenExpiredError
from wuzheng.seals._jws import KeyLookup, VerifiedJws, verify_compact
from wuzheng.seals._status_list import StatusList

STATUS_LIST_TYP: Final = "statuslist+jwt"
STATUS_LIST_LEEWAY: Final = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class StatusListToken:
    """A verified Status List Token."""

    uri: str
    issuer: str | None
    status_list: StatusList
    issued_at: datetime
    expires_at: datetime | None
    ttl: timedelta | None
    kid: str

    def age(self, now: datetime | None = None) -> timedelta:
        """How old the list is: what a cached answer must be labelled with."""
        return (now or datetime.now(UTC)) - self.issued_at

    def is_fresh(self, now: datetime | None = None) -> bool:
        """Whether the list is younger than its ``ttl`` (no ttl: fresh until it expires)."""
        now = now or datetime.now(UTC)
        if self.expires_at is not None and now >= self.expires_at:
            return False
        return self.ttl is None or self.age(now) <= self.ttl

    def get(self, index: int) -> int:
        """The status at ``index``; :class:`StatusListError` outside the list."""
        return self.status_list.get(index)

    def status_of(self, reference: Mapping[str, Any]) -> int:
        """The status of the licence whose ``status`` claim is ``reference``.

        :class:`StatusListError` if the reference points at another list or outside this one.
        """
        entry = reference.get("status_list")
        if not isinstance(entry, Mapping):
            raise StatusListError("the status claim has no status_list reference")
        idx, uri = entry.get("idx"), entry.get("uri")
        if uri != self.uri:
            raise StatusListError(f"the licence refers to list {uri!r}, not {self.uri!r}")
        if isinstance(idx, bool) or not isinstance(idx, int):
            raise StatusListError("the status reference's idx is not an integer")
        return self.status_list.get(idx)


def read_status_list_token(
    token: str,
    keys: KeyLookup,
    *,
    uri: str | None = None,
    now: datetime | None = None,
    check_times: bool = True,
    allow_expired: bool = False,
    leeway: timedelta = STATUS_LIST_LEEWAY,
) -> StatusListToken:
    """Verify a Status List Token with the issuer's keys and read it.

    The errors of :func:`verify_compact`, then those of :func:`status_list_token_from`.
    """
    verified = verify_compact(token, keys, typ=STATUS_LIST_TYP)
    return status_list_token_from(
        verified,
        uri=uri,
        now=now,
        check_times=check_times,
        allow_expired=allow_expired,
        leeway=leeway,
    )


def status_list_token_from(
    verified: VerifiedJws,
    *,
    uri: str | None = None,
    now: datetime | None = None,
    check_times: bool = True,
    allow_expired: bool = False,
    leeway: timedelta = STATUS_LIST_LEEWAY,
) -> StatusListToken:
    """Read a verified Status List Token's claims.

    ``uri``, when given, must be the token's ``sub``. With ``check_times``, a token issued in
    the future is refused (:class:`TokenClaimsError`), and so is an expired one
    (:class:`TokenExpiredError`) unless ``allow_expired``: a verifier that falls back on a
    stale list must say how old it is (:meth:`StatusListToken.age`). Other unacceptable claims
    are :class:`TokenClaimsError`, a malformed list :class:`StatusListError`.
    """
    claims = verified.claims
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise TokenClaimsError("the status list token has no sub (its URI)")
    if uri is not None and sub != uri:
        raise TokenClaimsError(f"the status list token is for {sub!r}, not {uri!r}")
    iss = claims.get("iss")
    if iss is not None and not isinstance(iss, str):
        raise TokenClaimsError("the status list token's iss is not a string")
    issued_at = _numeric_date(claims, "iat")
    if issued_at is None:
        raise TokenClaimsError("the status list token has no iat")
    expires_at = _numeric_date(claims, "exp")
    ttl = claims.get("ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0):
        raise TokenClaimsError("the status list token's ttl is not a positive integer")
    if check_times:
        now = now or datetime.now(UTC)
        if issued_at > now + leeway:
            raise TokenClaimsError("the status list token is issued in the future")
        if expires_at is not None and now > expires_at + leeway and not allow_expired:
            raise TokenExpiredError(f"the status list token expired at {expires_at.isoformat()}")
    body = claims.get("status_list")
    if not isinstance(body, Mapping):
        raise TokenClaimsError("the status list token has no status_list object")
    return StatusListToken(
        uri=sub,
        issuer=iss,
        status_list=StatusList.from_json(body),
        issued_at=issued_at,
        expires_at=expires_at,
        ttl=timedelta(seconds=ttl) if ttl is not None else None,
        kid=verified.kid,
    )


def _numeric_date(claims: Mapping[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenClaimsError(f"the status list token's {name} is not a NumericDate")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise TokenClaimsError(f"the status list token's {name} is out of range") from None
