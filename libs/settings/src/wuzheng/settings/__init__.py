"""Service settings: one ``BaseSettings`` subclass per service, each with its own env prefix.

Mesh-wide settings (``NATS_URL``, ``WUZHENG_ENV``, ``WUZHENG_VAR_DIR``, ``WUZHENG_AUTH_*``) are
read without the prefix so one value configures every service; per-service settings
(``CATALOG_DATABASE_URL``, ``ISSUANCE_PORT`` …) carry the service's prefix.

    class CatalogSettings(ServiceSettings):
        model_config = service_config("CATALOG_")
        service_name: ClassVar[str] = "catalog"
        port: int = 8101
"""

from wuzheng.settings._base import (
    DEFAULT_NATS_URL,
    PLACEHOLDER_SECRET,
    Environment,
    ServiceSettings,
    service_config,
)

__all__ = [
    "DEFAULT_NATS_URL",
    "PLACEHOLDER_SECRET",
    "Environment",
    "ServiceSettings",
    "service_config",
]
