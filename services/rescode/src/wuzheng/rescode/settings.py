"""Settings of the rescode service (environment variables prefixed ``RESCODE_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from wuzheng.settings import ServiceSettings, service_config


class RescodeSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("RESCODE_")
    service_name: ClassVar[str] = "rescode"

    port: int = 8104
