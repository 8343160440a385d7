"""How this service reads issuers' seals: the :mod:`wuzheng.seals` checks, held to the two
algorithms issuers use (Ed25519 ``EdDSA`` and SM2 ``SM2SM3``), and status list tokens read
into one error, :class:`StatusListError`, whose text says what is wrong with the list."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

from wuzheng.seals import (
    ED25519_JWS_ALG,
    SM2_JWS_ALG,
    STATUS_LIST_TYP,
    JwkSet,
    MalformedTokenError,
    SealError,
    StatusListError,
    StatusListToken,
    TokenClaimsError,
    UnverifiedJws,
    read_compact,
    status_list_token_from,
    verify_compact,
)

__all__ = ["ALGS", "jwks_digest", "read_status_list_token", "read_unverified"]

ALGS: Final = (ED25519_JWS_ALG, SM2_JWS_ALG)


def read_unverified(token: str) -> UnverifiedJws:
    """Parse ``token`` without checking its signature (to learn its issuer and kid);
    :class:`MalformedTokenError` unless it is a compact JWS of an issuer's ``alg`` whose
    payload is a JSON object."""
    return read_compact(token, algs=ALGS, claims=True)


def jwks_digest(jwks: Mapping[str, Any] | None) -> str:
    """A stable digest of a JWKS document (a cache key for its parsed form)."""
    canonical = json.dumps(jwks or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_status_list_token(token: str, keys: JwkSet) -> StatusListToken:
    """Verify a status list token with the issuer's keys and read it (expired ones too: the
    caller reports the list's age and applies its own limit); :class:`StatusListError` if it
    cannot be used."""
    try:
        verified = verify_compact(read_unverified(token), keys, typ=STATUS_LIST_TYP)
    except MalformedTokenError as exc:
        raise StatusListError(f"the status list token is malformed: {exc}") from None
    except SealError as exc:
        raise StatusListError(f"the status list token does not verify: {exc}") from None
    try:
        return status_list_token_from(verified, check_times=False)
    except TokenClaimsError as exc:
        raise StatusListError(str(exc)) from None
