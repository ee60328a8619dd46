"""Catalog test data, made through the catalog's own services (so events and stock rows exist)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from uuid import UUID

from domains.catalog import services
from domains.catalog.interface import CategoryDTO, ProductDTO, StockLineDTO
from domains.catalog.models import StockLevel
from shared.money import Money

_skus = itertools.count(1)


def make_category(*, slug: str = "green-tea", name: str = "Green tea") -> CategoryDTO:
    return services.create_category(slug=slug, name=name, description=f"All about {name.lower()}.")


def make_product(
    *,
    name: str = "Sencha Uji, 100 g",
    price: str = "9.90",
    currency: str = "EUR",
    on_hand: int = 10,
    category: CategoryDTO | None = None,
    description: str = "Steamed green tea, grassy and sweet.",
    sku: str = "",
) -> ProductDTO:
    return services.create_product(
        sku=sku or f"T-{next(_skus):05d}",
        name=name,
        description=description,
        price=Money(amount=Decimal(price), currency=currency),
        category_id=category.id if category is not None else None,
        on_hand=on_hand,
    )


def line(product: ProductDTO | UUID, quantity: int) -> StockLineDTO:
    product_id = product if isinstance(product, UUID) else product.id
    return StockLineDTO(product_id=product_id, quantity=quantity)


def stock_of(product: ProductDTO) -> tuple[int, int]:
    """(on hand, reserved) of a product, read straight from its stock row."""
    level = StockLevel.objects.get(product_id=product.id)
    return level.on_hand, level.reserved
