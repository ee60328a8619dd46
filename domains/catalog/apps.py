from django.apps import AppConfig

from shared.interfaces import registry


class CatalogConfig(AppConfig):
    name = "domains.catalog"
    label = "catalog"
    verbose_name = "Catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from domains.catalog.interface import catalog
        from domains.catalog.services import CatalogService

        registry.bind(catalog, CatalogService())
