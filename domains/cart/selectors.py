"""Cart reads: the bare cart (ids and quantities) and the cart as a shopper sees it, priced."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db.models import F

from domains.cart.interface import CartDTO, CartLineDTO
from domains.cart.models import Cart, CartItem
from domains.catalog.interface import ProductDTO, catalog
from shared.money import Money


def get_cart(*, customer_id: UUID) -> CartDTO:
    """The cart's lines with the version they belong to.

    Lines and version must come from one moment: a change committed between two reads
    would pair new lines with an old version (and checkout would take them for an intent
    already ordered). So both are read by one statement, which sees one snapshot; only an
    empty cart needs a second read for its version.
    """
    items = list(
        CartItem.objects.filter(cart__customer_id=customer_id)
        .annotate(version=F("cart__version"))
        .order_by("added_at", "id")
    )
    return CartDTO(
        customer_id=customer_id,
        lines=tuple(
            CartLineDTO(product_id=item.product_id, quantity=item.quantity, added_at=item.added_at) for item in items
        ),
        version=items[0].version if items else _version(customer_id),
    )


def _version(customer_id: UUID) -> int:
    return Cart.objects.filter(customer_id=customer_id).values_list("version", flat=True).first() or 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PricedLine:
    """A cart line with the catalog's current data; `product` is None once the catalog dropped it."""

    product_id: UUID
    quantity: int
    product: ProductDTO | None

    @property
    def for_sale(self) -> bool:
        return self.product is not None and self.product.is_active

    @property
    def line_total(self) -> Money | None:
        return self.product.price.times(self.quantity) if self.product is not None and self.for_sale else None


@dataclass(frozen=True, slots=True, kw_only=True)
class PricedCart:
    customer_id: UUID
    lines: tuple[PricedLine, ...]

    @property
    def subtotals(self) -> tuple[Money, ...]:
        """One sum per currency of the lines still for sale (one, in a single-currency shop)."""
        sums: defaultdict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            if line.line_total is not None:
                sums[line.line_total.currency] += line.line_total.amount
        return tuple(Money(amount=amount, currency=currency) for currency, amount in sorted(sums.items()))


def priced_cart(*, customer_id: UUID) -> PricedCart:
    """The cart with today's catalog prices (for display only: checkout reads them again)."""
    cart = get_cart(customer_id=customer_id)
    products = {p.id: p for p in catalog.get_products(product_ids=tuple(line.product_id for line in cart.lines))}
    return PricedCart(
        customer_id=customer_id,
        lines=tuple(
            PricedLine(product_id=line.product_id, quantity=line.quantity, product=products.get(line.product_id))
            for line in cart.lines
        ),
    )
