"""Settings of the dispute service (environment variables prefixed ``DISPUTE_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from wuzheng.settings import ServiceSettings, service_config


class DisputeSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("DISPUTE_")
    service_name: ClassVar[str] = "dispute"

    port: int = 8105
