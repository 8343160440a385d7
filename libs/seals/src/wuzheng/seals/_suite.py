"""Signature suites a seal can use, and their JOSE ``alg`` names."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

ED25519_JWS_ALG: Final = "EdDSA"
# Not registered with IANA: a private-use ``alg`` name for "SM2 signature over SM3(Z‖M), signer
# ID 1234567812345678, signature = r‖s (64 bytes)". Only verifiers that know it can use it.
SM2_JWS_ALG: Final = "SM2SM3"


class SealSuite(StrEnum):
    """The signature algorithm of a seal key."""

    ED25519 = "ed25519"
    """Ed25519 (RFC 8032), JOSE ``alg`` ``EdDSA``, JWK ``kty`` OKP / ``crv`` Ed25519. Default."""

    SM2_SM3 = "sm2-sm3"
    """国密: SM2 signature with SM3 digest (GB/T 32918.2, GM/T 0009 signer ID), ``alg`` SM2SM3."""

    @property
    def jws_alg(self) -> str:
        """The JOSE ``alg`` header value for tokens signed with this suite."""
        return ED25519_JWS_ALG if self is SealSuite.ED25519 else SM2_JWS_ALG

    @classmethod
    def from_jws_alg(cls, alg: str) -> SealSuite:
        """The suite whose JOSE ``alg`` is ``alg``; :class:`ValueError` if none."""
        for suite in cls:
            if suite.jws_alg == alg:
                return suite
        raise ValueError(f"unsupported alg {alg!r}")
