"""The catalog service: its definition for the service kit, and the app factory."""

from fastapi import FastAPI

from wuzheng.catalog.departments.endpoints import router as departments
from wuzheng.catalog.exemption_lists.endpoints import router as exemption_lists
from wuzheng.catalog.fields.endpoints import router as fields
from wuzheng.catalog.importer import wire_seeding
from wuzheng.catalog.items.endpoints import router as items
from wuzheng.catalog.licence_types.endpoints import router as licence_types
from wuzheng.catalog.settings import CatalogSettings
from wuzheng.service import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="catalog",
    title="wuzheng catalog 事项与证照目录",
    description=(
        "The city's service items, the materials each needs and how each is satisfied without "
        "paper, the licence types, the 免证办 lists and the field library."
    ),
    settings_class=CatalogSettings,
    routers=[items, departments, licence_types, exemption_lists, fields],
    wire=wire_seeding,
)


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    """The ASGI app (``uvicorn --factory wuzheng.catalog.app:create_app``)."""
    return create_service_app(DEFINITION, settings)
