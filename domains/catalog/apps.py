from collections.abc import Iterable

from shared.boundaries.domains import DomainConfig


class CatalogConfig(DomainConfig):
    default = True
    name = "domains.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def services(self) -> Iterable[tuple[object, object]]:
        # Imported here: services import models, which exist only once apps are loaded.
        from domains.catalog.interface import catalog
        from domains.catalog.services import CatalogService

        return ((catalog, CatalogService()),)
