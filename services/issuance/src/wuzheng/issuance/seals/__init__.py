"""Electronic seals (电子印章): seal keys, keyrings, compact JWS and the canonical form.

The signing half, over :mod:`wuzheng.seals` (the verifying half both services share; its
public keys, suites and errors are re-exported here). Pure library code — no database, no
web. The issuance service stores :meth:`SealKey.encrypt` blobs, publishes
:meth:`Keyring.jwks`, and seals licences with :func:`sign_compact` over :func:`canonical_json`.
"""

from wuzheng.issuance.seals._canonical import canonical_json
from wuzheng.issuance.seals._errors import (
    CanonicalFormError,
    InvalidSignatureError,
    KeyDecryptionError,
    KeyFormatError,
    MalformedTokenError,
    SealError,
    TokenClaimsError,
    TokenError,
    TokenExpiredError,
    UnknownKeyError,
)
from wuzheng.issuance.seals._jws import (
    KeySource,
    key_lookup,
    sign_compact,
    verify_compact,
)
from wuzheng.issuance.seals._keyring import Keyring
from wuzheng.issuance.seals._keys import SealKey, derive_kek, generate_seal_key
from wuzheng.seals import (
    ED25519_JWS_ALG,
    SM2_JWS_ALG,
    SM2_SIGNER_ID,
    SealPublicKey,
    SealSuite,
)

__all__ = [
    "ED25519_JWS_ALG",
    "SM2_JWS_ALG",
    "SM2_SIGNER_ID",
    "CanonicalFormError",
    "InvalidSignatureError",
    "KeyDecryptionError",
    "KeyFormatError",
    "KeySource",
    "Keyring",
    "MalformedTokenError",
    "SealError",
    "SealKey",
    "SealPublicKey",
    "SealSuite",
    "TokenClaimsError",
    "TokenError",
    "TokenExpiredError",
    "UnknownKeyError",
    "canonical_json",
    "derive_kek",
    "generate_seal_key",
    "key_lookup",
    "sign_compact",
    "verify_compact",
]
