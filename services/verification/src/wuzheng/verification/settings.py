"""Settings of the verification service (environment variables prefixed ``VERIFICATION_``)."""

import ssl
from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from wuzheng.settings import PLACEHOLDER_SECRET, ServiceSettings, service_config


class VerificationSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("VERIFICATION_")
    service_name: ClassVar[str] = "verification"

    port: int = 8103

    holder_secret: SecretStr = Field(
        SecretStr(PLACEHOLDER_SECRET),
        description="Key of the HMAC under which holder codes are stored (access record, "
        "holder licences, consents). Must be a real secret outside dev and test.",
    )
    issuance_url: str = Field(
        "http://127.0.0.1:8102",
        description="Base URL of the in-mesh issuance service, to refetch an issuer's JWKS "
        "(GET /v1/issuers/{code}/jwks.json) when an answer names an unknown kid. Empty: "
        "only the keys of certificate.issuer.served events are used.",
    )
    issuer_timeout: float = Field(
        2.0, gt=0, le=60, description="Seconds to wait for one issuer answer (per attempt)"
    )
    issuer_retries: int = Field(
        1, ge=0, le=5, description="Further attempts after a timeout or a transport failure"
    )
    retry_backoff: float = Field(0.05, ge=0, le=5, description="Seconds before a retry")
    breaker_failures: int = Field(
        5, ge=1, le=1000, description="Consecutive failures that open an issuer's circuit"
    )
    breaker_first_open_seconds: float = Field(
        1.0,
        gt=0,
        le=3600,
        description="How long a circuit first fails fast before one trial; each failed trial "
        "doubles it, up to BREAKER_OPEN_SECONDS",
    )
    breaker_open_seconds: float = Field(
        10.0,
        gt=0,
        le=3600,
        description="The longest an open circuit fails fast before one trial",
    )
    answer_max_skew: float = Field(
        300.0, gt=0, description="Seconds an answer's answered_at may differ from our clock"
    )
    jwks_refetch_interval: float = Field(
        5.0, ge=0, description="Minimum seconds between two JWKS refetches of one issuer"
    )
    read_model_ttl: float = Field(
        2.0,
        ge=0,
        le=300,
        description="Seconds a replica keeps catalogue and route read-model lookups in memory "
        "(events applied by this replica clear them at once)",
    )
    offline_max_status_list_age: float = Field(
        7 * 86_400.0,
        gt=0,
        description="An offline check refuses a status list older than this (seconds)",
    )
    allow_http_routes: bool = Field(
        False,
        description="Accept plain http:// issuer URLs outside dev/test (never in production)",
    )
    route_secrets_dir: str = Field(
        "",
        description="Directory of the secrets registered HTTPS routes name by file name "
        "(bearer token files, client certificates and keys), e.g. a mounted Kubernetes "
        "Secret; a changed file is read again without a restart. Empty: "
        "WUZHENG_VAR_DIR/secrets/verification",
    )
    issuer_ca_bundle: str = Field(
        "",
        description="PEM file of certificate authorities trusted for registered HTTPS routes "
        "in addition to the system's (a government CA, say); read at start. Empty: the "
        "system's CAs only (or SSL_CERT_FILE's)",
    )
    timezone: str = Field(
        "Asia/Shanghai", description="Time zone of the calendar day the statistics count by"
    )
    audit_batch_linger: float = Field(
        0.0,
        ge=0,
        le=0.1,
        description="Seconds the access log writer waits for more records before a commit "
        "when only one is waiting (group commit; 0 commits at once)",
    )
    audit_batch_max: int = Field(
        256, ge=1, le=10_000, description="Access records appended in one transaction at most"
    )

    @field_validator("issuer_ca_bundle")
    @classmethod
    def _usable_ca_bundle(cls, value: str) -> str:
        # Checked at start: a bad bundle would otherwise surface as every HTTPS route failing.
        if value:
            try:
                ssl.create_default_context(cafile=value)
            except FileNotFoundError:
                raise ValueError(f"{value}: no such file") from None
            except (OSError, ssl.SSLError):
                raise ValueError(f"{value}: not a readable PEM file of CA certificates") from None
        return value

    @property
    def resolved_issuer_ca_bundle(self) -> Path | None:
        return Path(self.issuer_ca_bundle) if self.issuer_ca_bundle else None

    @property
    def resolved_route_secrets_dir(self) -> Path:
        if self.route_secrets_dir:
            return Path(self.route_secrets_dir)
        return self.var_dir / "secrets" / "verification"

    @property
    def http_routes_allowed(self) -> bool:
        return self.allow_http_routes or self.is_dev
