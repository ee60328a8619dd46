"""The catalog's reactions to events. The wiring table is at the bottom."""

from __future__ import annotations

from domains.catalog.interface import ProductPriceChanged
from domains.catalog.models import PriceHistory
from shared.bus.subscriptions import Subscription


def record_price_change(event: ProductPriceChanged) -> None:
    """Keep the price audit trail; runs after the price change commits, once per event."""
    PriceHistory.objects.create(
        product_id=event.product_id,
        old_amount=event.old_price.amount,
        new_amount=event.new_price.amount,
        currency=event.new_price.currency,
    )


SUBSCRIPTIONS = (
    Subscription(id="catalog.record_price_change", event=ProductPriceChanged, handler=record_price_change),
)
