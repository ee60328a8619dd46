"""The ids of other domains' entities that order rows hold (see shared.references)."""

from __future__ import annotations

from domains.orders.models import Checkout, Order, OrderLine
from shared.references import ReferencePage, ReferenceSource, page_references

SOURCES = (
    ReferenceSource(
        source="orders.Order", target="identity.user", rows=lambda: Order.objects.values_list("id", "customer_id")
    ),
    ReferenceSource(
        source="orders.Checkout",
        target="identity.user",
        rows=lambda: Checkout.objects.values_list("order_id", "customer_id"),
    ),
    ReferenceSource(
        source="orders.OrderLine",
        target="catalog.product",
        rows=lambda: OrderLine.objects.values_list("id", "product_id"),
    ),
)


def page(*, after: str, limit: int) -> ReferencePage:
    return page_references(SOURCES, after=after, limit=limit)
