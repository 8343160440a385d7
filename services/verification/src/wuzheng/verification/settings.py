"""Settings of the verification service (environment variables prefixed ``VERIFICATION_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from wuzheng.settings import ServiceSettings, service_config


class VerificationSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("VERIFICATION_")
    service_name: ClassVar[str] = "verification"

    port: int = 8103
