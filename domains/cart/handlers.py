"""The cart's reactions to events. The wiring table is at the bottom."""

from __future__ import annotations

from domains.cart import services
from domains.orders.interface import OrderConfirmed
from shared.bus.subscriptions import Subscription


def empty_cart_of_confirmed_order(event: OrderConfirmed) -> None:
    """The customer bought what was in the cart: take those units out.

    Only the bought units go, not the whole cart: a product added while the payment was
    under way stays for the next order. A cancelled order leaves the cart as it was, so
    the customer can try again.
    """
    services.take_out(customer_id=event.customer_id, bought=((line.product_id, line.quantity) for line in event.lines))


SUBSCRIPTIONS = (
    Subscription(id="cart.empty_cart_of_confirmed_order", event=OrderConfirmed, handler=empty_cart_of_confirmed_order),
)
