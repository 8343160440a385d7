"""Settings of the issuance service (environment variables prefixed ``ISSUANCE_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from wuzheng.settings import ServiceSettings, service_config


class IssuanceSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("ISSUANCE_")
    service_name: ClassVar[str] = "issuance"

    port: int = 8102
