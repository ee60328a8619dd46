from collections.abc import Iterable

from shared.boundaries.domains import DomainConfig


class CartConfig(DomainConfig):
    default = True
    name = "domains.cart"
    label = "cart"
    verbose_name = "Cart"

    def services(self) -> Iterable[tuple[object, object]]:
        # Imported here: services import models, which exist only once apps are loaded.
        from domains.cart.interface import cart
        from domains.cart.services import CartService

        return ((cart, CartService()),)
