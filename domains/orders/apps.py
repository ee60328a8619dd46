from collections.abc import Iterable

from shared.boundaries.domains import DomainConfig


class OrdersConfig(DomainConfig):
    default = True
    name = "domains.orders"
    label = "orders"
    verbose_name = "Orders"

    def services(self) -> Iterable[tuple[object, object]]:
        # Imported here: services import models, which exist only once apps are loaded.
        from domains.orders.interface import orders
        from domains.orders.services import OrdersService

        return ((orders, OrdersService()),)
