"""The catalog's reactions to events. The wiring table is at the bottom.

Each handler is idempotent on its own (a finished reservation is left alone), not only
through the bus's inbox, because a handler may also run after an operator's replay.
"""

from __future__ import annotations

from domains.catalog import inventory
from domains.catalog.interface import ProductPriceChanged
from domains.catalog.models import PriceHistory
from domains.orders.interface import CheckoutAbandoned, OrderCancelled, OrderConfirmed, OrderPlaced
from shared.bus.subscriptions import Subscription


def record_price_change(event: ProductPriceChanged) -> None:
    """Keep the price audit trail; runs after the price change commits, once per event."""
    PriceHistory.objects.create(
        product_id=event.product_id,
        old_amount=event.old_price.amount,
        new_amount=event.new_price.amount,
        currency=event.new_price.currency,
    )


def keep_stock_for_placed_order(event: OrderPlaced) -> None:
    """The order was recorded: its reservation holds until the order is confirmed or cancelled, no longer expiring."""
    inventory.keep(order_id=event.order_id)


def release_stock_of_abandoned_checkout(event: CheckoutAbandoned) -> None:
    """No order was recorded and none will be: what the checkout reserved is free (the compensation)."""
    inventory.release_reservation(order_id=event.order_id)


def commit_stock_for_confirmed_order(event: OrderConfirmed) -> None:
    """The order is paid: the units it reserved leave the stock for good."""
    inventory.commit_reservation(order_id=event.order_id)


def release_stock_for_cancelled_order(event: OrderCancelled) -> None:
    """The order will not be paid: the units it reserved can be sold to someone else."""
    inventory.release_reservation(order_id=event.order_id)


SUBSCRIPTIONS = (
    Subscription(id="catalog.record_price_change", event=ProductPriceChanged, handler=record_price_change),
    Subscription(id="catalog.keep_stock_for_placed_order", event=OrderPlaced, handler=keep_stock_for_placed_order),
    Subscription(
        id="catalog.release_stock_of_abandoned_checkout",
        event=CheckoutAbandoned,
        handler=release_stock_of_abandoned_checkout,
    ),
    Subscription(
        id="catalog.commit_stock_for_confirmed_order", event=OrderConfirmed, handler=commit_stock_for_confirmed_order
    ),
    Subscription(
        id="catalog.release_stock_for_cancelled_order",
        event=OrderCancelled,
        handler=release_stock_for_cancelled_order,
    ),
)
