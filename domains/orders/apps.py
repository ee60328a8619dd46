from shared.boundaries.domains import DomainConfig
from shared.interfaces import registry


class OrdersConfig(DomainConfig):
    default = True
    name = "domains.orders"
    label = "orders"
    verbose_name = "Orders"

    def bind_interfaces(self) -> None:
        # Imported here: services import models, which exist only once apps are loaded.
        from domains.orders.interface import orders
        from domains.orders.services import OrdersService

        registry.bind(orders, OrdersService())
