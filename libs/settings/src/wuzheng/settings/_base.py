from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_NATS_URL = "nats://127.0.0.1:4223"
# The one placeholder secret value shipped in examples; refused outside dev and test.
PLACEHOLDER_SECRET = "changeme"  # noqa: S105 - it is the value we refuse, not a secret


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


def service_config(env_prefix: str) -> SettingsConfigDict:
    """The settings config every service uses, differing only in its env prefix."""
    return SettingsConfigDict(
        env_prefix=env_prefix,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
        populate_by_name=True,  # ServiceSettings(var_dir=...) works in code and tests
    )


def _mesh(name: str) -> Any:
    """Read a mesh-wide setting from its unprefixed env name (and the field name)."""
    return AliasChoices(name, name.lower())


class ServiceSettings(BaseSettings):
    """Settings shared by every service. Subclasses set ``service_name`` and ``port``."""

    model_config = service_config("WUZHENG_")

    service_name: ClassVar[str] = "service"

    environment: Environment = Field(Environment.DEV, validation_alias=_mesh("WUZHENG_ENV"))
    var_dir: Path = Field(Path("var"), validation_alias=_mesh("WUZHENG_VAR_DIR"))
    log_level: str = Field("INFO", validation_alias=_mesh("WUZHENG_LOG_LEVEL"))
    nats_url: str = Field(DEFAULT_NATS_URL, validation_alias=_mesh("NATS_URL"))
    nats_namespace: str = Field(
        "",
        validation_alias=_mesh("WUZHENG_NATS_NAMESPACE"),
        description="Prefix for every stream and subject, so several meshes (or test runs) "
        "can share one NATS cluster.",
    )
    nats_stream_replicas: int = Field(
        1, ge=1, le=5, validation_alias=_mesh("WUZHENG_NATS_STREAM_REPLICAS")
    )

    auth_jwks: str = Field(
        "",
        validation_alias=_mesh("WUZHENG_AUTH_JWKS"),
        description="JWKS of the token issuer: a file path or an https URL. "
        "Empty means the local dev key under var/auth/.",
    )
    auth_issuer: str = Field("wuzheng-dev", validation_alias=_mesh("WUZHENG_AUTH_ISSUER"))
    auth_audience: str = Field("wuzheng", validation_alias=_mesh("WUZHENG_AUTH_AUDIENCE"))

    host: str = "127.0.0.1"
    port: int = 8100
    database_url: str = Field(
        "",
        description="SQLAlchemy async URL; empty means a SQLite file under var/.",
    )
    database_pool_size: int = Field(
        20, ge=1, description="Connections each replica keeps open (server databases)."
    )
    database_pool_overflow: int = Field(
        10, ge=0, description="Extra connections opened under a burst, closed when returned."
    )
    database_pool_pre_ping: bool = Field(
        False,
        description="Test each connection at checkout (three round trips on asyncpg): no "
        "failed request after a database restart, at a cost on every request.",
    )
    max_body_bytes: int = 1_048_576

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / 'db' / f'{self.service_name}.sqlite3'}"

    @property
    def resolved_auth_jwks(self) -> str:
        return self.auth_jwks or str(self.var_dir / "auth" / "jwks.json")

    @property
    def is_dev(self) -> bool:
        return self.environment in (Environment.DEV, Environment.TEST)

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Self:
        if self.is_dev:
            return self
        prefix = self.model_config.get("env_prefix", "")
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value() in (
                "",
                PLACEHOLDER_SECRET,
            ):
                # pydantic turns this into a ValidationError naming the setting
                raise ValueError(
                    f"{prefix}{name.upper()} must be set to a real secret "
                    f"when WUZHENG_ENV={self.environment.value}"
                )
        return self
