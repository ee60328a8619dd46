"""The ids of other domains' entities that cart rows hold (see shared.references)."""

from __future__ import annotations

from domains.cart.models import Cart, CartItem
from shared.references import ReferencePage, ReferenceSource, page_references

SOURCES = (
    ReferenceSource(
        source="cart.Cart", target="identity.user", rows=lambda: Cart.objects.values_list("id", "customer_id")
    ),
    ReferenceSource(
        source="cart.CartItem", target="catalog.product", rows=lambda: CartItem.objects.values_list("id", "product_id")
    ),
)


def page(*, after: str, limit: int) -> ReferencePage:
    return page_references(SOURCES, after=after, limit=limit)
