"""Settings of the rescode service (environment variables prefixed ``RESCODE_``).

Two secrets, both refused when empty or ``changeme`` outside dev/test (``WUZHENG_ENV``):

- ``RESCODE_SIGNING_KEY``: the Ed25519 key that signs QR payloads: the 32-byte seed in
  base64url, or a PKCS#8 PEM. ``RESCODE_RETIRED_PUBLIC_KEYS`` lists public keys (raw 32
  bytes, base64url) still accepted for codes signed before a rotation; a code lives
  ``RESCODE_CODE_TTL_SECONDS``, so a retired key can go after that long.
- ``RESCODE_DATA_KEY``: 32 random bytes in base64url. Holder codes are stored as an HMAC
  (for look-ups) and AES-GCM sealed (to show and emit them); digit codes are derived from
  it. It cannot be rotated without re-keying the tables.

In dev and test, empty secrets are generated once and kept under ``var/rescode/``.
``python -m wuzheng.rescode keygen`` prints fresh values for production.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from wuzheng.settings import ServiceSettings, service_config


class RescodeSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("RESCODE_")
    service_name: ClassVar[str] = "rescode"

    port: int = 8104

    signing_key: SecretStr = Field(
        SecretStr(""),
        description="Ed25519 key signing QR payloads: base64url 32-byte seed or PKCS#8 PEM",
    )
    retired_public_keys: list[str] = Field(
        default_factory=list,
        description="Ed25519 public keys (base64url, 32 bytes) still accepted after a rotation",
    )
    data_key: SecretStr = Field(
        SecretStr(""),
        description="32 bytes (base64url): holder-code hashing and sealing, digit codes",
    )

    code_ttl_seconds: int = Field(
        60, ge=1, le=600, description="How long a code (QR, barcode, digits) is accepted"
    )
    code_retention_seconds: int = Field(
        3600, ge=60, description="Codes are deleted this long after they expired"
    )
    purge_interval_seconds: float = Field(60.0, gt=0)

    resolve_rate_per_second: float = Field(
        20.0, gt=0, description="Resolve attempts per second per caller (token bucket refill)"
    )
    resolve_burst: int = Field(40, ge=1, description="Resolve attempts a caller may burst")
    resolve_failures_per_minute: float = Field(
        12.0, gt=0, description="Refused resolves (invalid, expired, used) per minute per caller"
    )
    resolve_failure_burst: int = Field(10, ge=1)

    one_case_consent_hours: int = Field(
        24, ge=1, le=24 * 366, description="Default validity of a one-case consent"
    )
    consent_max_days: int = Field(366, ge=1, description="Longest consent window")
    mandate_max_days: int = Field(
        366 * 3, ge=1, description="Longest mandate (代办, 监护, 企业经办人)"
    )
