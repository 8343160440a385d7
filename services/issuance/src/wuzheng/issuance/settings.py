"""Settings of the issuance service (environment variables prefixed ``ISSUANCE_``).

Dicts and lists are read from the environment as JSON, e.g.
``ISSUANCE_DEPARTMENT_SUITES='{"health": "sm2-sm3"}'`` and
``ISSUANCE_JOINT_SEALS='{"11370784PH0044584U001": ["human-resources-social-security",
"education-sports"]}'``.
"""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from wuzheng.contracts import LicenceTypeCode
from wuzheng.issuance.seals import SealSuite
from wuzheng.settings import PLACEHOLDER_SECRET, ServiceSettings, service_config


class IssuanceSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("ISSUANCE_")
    service_name: ClassVar[str] = "issuance"

    port: int = 8102
    # A batch of 1,000 licences with their fields is well over the kit's 1 MiB default.
    max_body_bytes: int = 8 * 1024 * 1024

    seal_key_secret: SecretStr = Field(
        SecretStr(PLACEHOLDER_SECRET),
        description="Secret the seal keys' encryption key is derived from (HKDF-SHA256, "
        "AES-256-GCM at rest). The placeholder is refused outside dev and test.",
    )
    default_suite: SealSuite = Field(
        SealSuite.ED25519, description="Seal suite of a department's first key"
    )
    department_suites: dict[str, SealSuite] = Field(
        default_factory=dict,
        description="Department code → seal suite of its first key (ed25519 or sm2-sm3); "
        "a rotation may change it later",
    )
    joint_seals: dict[LicenceTypeCode, list[str]] = Field(
        default_factory=dict,
        description="Licence type code → the departments (catalog codes) whose seals a "
        "licence of that type needs before it is valid (多部门联合签章). Types not named are "
        "sealed by the issuing department alone, whatever number of issuing departments the "
        "catalog lists: in 附件2 'A、B' names alternative issuers, not a joint seal.",
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8102",
        description="Where this service is reachable from outside: status list URIs in "
        "sealed licences point here",
    )
    status_list_bits: int = Field(2, description="Bits per status list entry (1, 2, 4 or 8)")
    status_list_min_size: int = Field(
        16_384, ge=8, description="Entries a status list starts with (indices are random)"
    )
    status_list_ttl_seconds: int = Field(
        300, ge=1, description="How long a verifier may cache a status list token"
    )
    status_list_valid_seconds: int = Field(
        86_400, ge=60, description="Lifetime (exp - iat) of a status list token"
    )
    status_list_debounce_seconds: float = Field(
        1.0,
        gt=0,
        description="Changes are gathered this long before the issuer's list is re-signed "
        "and published as certificate.status_list.published",
    )
    expiry_interval_seconds: float = Field(
        300.0, gt=0, description="How often licences past their valid_until are marked expired"
    )
    utc_offset_minutes: int = Field(
        480,
        ge=-720,
        le=840,
        description="Offset of the calendar licences are dated in (China Standard Time, "
        "no daylight saving)",
    )

    @field_validator("department_suites", "joint_seals", mode="before")
    @classmethod
    def _no_null(cls, value: object) -> object:
        return {} if value is None else value

    @field_validator("status_list_bits")
    @classmethod
    def _bits(cls, value: int) -> int:
        if value not in (1, 2, 4, 8):
            raise ValueError("status_list_bits must be 1, 2, 4 or 8")
        return value

    @field_validator("joint_seals")
    @classmethod
    def _joint(cls, value: dict[LicenceTypeCode, list[str]]) -> dict[LicenceTypeCode, list[str]]:
        for code, departments in value.items():
            if len(departments) < 2 or len(set(departments)) != len(departments):
                raise ValueError(f"joint seals of {code}: name two or more distinct departments")
        return value

    @property
    def local_timezone(self) -> timezone:
        return timezone(timedelta(minutes=self.utc_offset_minutes))

    def today(self, now: datetime | None = None) -> date:
        """The date it is now in the licences' calendar."""
        return (now or datetime.now(UTC)).astimezone(self.local_timezone).date()

    def suite_for(self, department: str) -> SealSuite:
        return self.department_suites.get(department, self.default_suite)

    def status_list_uri(self, issuer_code: str) -> str:
        return f"{self.public_base_url.rstrip('/')}/v1/issuers/{issuer_code}/status-list"

    def jwks_uri(self, issuer_code: str) -> str:
        return f"{self.public_base_url.rstrip('/')}/v1/issuers/{issuer_code}/jwks.json"
