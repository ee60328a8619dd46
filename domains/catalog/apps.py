from shared.boundaries.domains import DomainConfig
from shared.interfaces import registry


class CatalogConfig(DomainConfig):
    default = True
    name = "domains.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def bind_interfaces(self) -> None:
        # Imported here: services import models, which exist only once apps are loaded.
        from domains.catalog.interface import catalog
        from domains.catalog.services import CatalogService

        registry.bind(catalog, CatalogService())
