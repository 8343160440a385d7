"""Status List Tokens: a status list sealed by its issuer as a JWT (``typ`` statuslist+jwt).

Reading one is :func:`wuzheng.seals.read_status_list_token`'s job; here the issuer seals them,
and reads them back against its own key sources.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from wuzheng.issuance.seals import KeySource, SealKey, key_lookup, sign_compact
from wuzheng.seals import (
    STATUS_LIST_LEEWAY,
    STATUS_LIST_TYP,
    StatusList,
    StatusListError,
    StatusListToken,
    read_status_list_token,
)

DEFAULT_TTL: Final = timedelta(hours=1)
DEFAULT_VALIDITY: Final = timedelta(days=1)


def status_reference(index: int, uri: str) -> dict[str, Any]:
    """The ``status`` claim a sealed licence carries to point at its entry in a list."""
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise StatusListError("a status list index is a non-negative integer")
    return {"status_list": {"idx": index, "uri": uri}}


def status_list_token(
    issuer: str | None,
    status_list: StatusList,
    key: SealKey,
    *,
    uri: str,
    ttl: timedelta = DEFAULT_TTL,
    valid_for: timedelta = DEFAULT_VALIDITY,
    issued_at: datetime | None = None,
) -> str:
    """Seal ``status_list`` as a Status List Token.

    Claims: ``sub`` = ``uri`` (where the token is published), ``iat``, ``exp`` = iat +
    ``valid_for``, ``ttl`` (seconds a relying party may cache it), ``status_list``, and ``iss``
    when ``issuer`` is given. Header: ``typ`` statuslist+jwt, ``alg`` and ``kid`` of ``key``.
    """
    if ttl <= timedelta(0) or valid_for <= timedelta(0):
        raise ValueError("ttl and valid_for must be positive")
    iat = int((issued_at or datetime.now(UTC)).timestamp())
    claims: dict[str, Any] = {
        "sub": uri,
        "iat": iat,
        "exp": iat + int(valid_for.total_seconds()),
        "ttl": int(ttl.total_seconds()),
        "status_list": status_list.to_json(),
    }
    if issuer is not None:
        claims["iss"] = issuer
    return sign_compact(claims, key, typ=STATUS_LIST_TYP)


def parse_status_list_token(
    token: str,
    keys: KeySource,
    *,
    uri: str | None = None,
    now: datetime | None = None,
    allow_expired: bool = False,
    leeway: timedelta = STATUS_LIST_LEEWAY,
) -> StatusListToken:
    """Verify a Status List Token against the issuer's keys and read it.

    ``uri``, when given, must be the token's ``sub``. An expired token is refused
    (:class:`TokenExpiredError`) unless ``allow_expired``: a verifier that falls back on a
    stale list must say how old it is (:meth:`StatusListToken.age`).
    """
    return read_status_list_token(
        token, key_lookup(keys), uri=uri, now=now, allow_expired=allow_expired, leeway=leeway
    )
