"""Settings of the catalog service (environment variables prefixed ``CATALOG_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from wuzheng.settings import ServiceSettings, service_config


class CatalogSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("CATALOG_")
    service_name: ClassVar[str] = "catalog"

    port: int = 8101
