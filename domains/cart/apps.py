from shared.boundaries.domains import DomainConfig
from shared.interfaces import registry


class CartConfig(DomainConfig):
    default = True
    name = "domains.cart"
    label = "cart"
    verbose_name = "Cart"

    def bind_interfaces(self) -> None:
        # Imported here: services import models, which exist only once apps are loaded.
        from domains.cart.interface import cart
        from domains.cart.services import CartService

        registry.bind(cart, CartService())
