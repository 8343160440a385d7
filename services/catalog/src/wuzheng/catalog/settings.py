"""Settings of the catalog service (environment variables prefixed ``CATALOG_``)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from wuzheng.settings import ServiceSettings, service_config


class CatalogSettings(ServiceSettings):
    model_config: ClassVar[SettingsConfigDict] = service_config("CATALOG_")
    service_name: ClassVar[str] = "catalog"

    port: int = 8101
    seed_on_start: bool = Field(
        True, description="Import the bundled plan data and demo mapping when the catalog is empty"
    )
