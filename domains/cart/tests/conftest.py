"""Cart test data. Products are made through the catalog's interface, as the cart sees them."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from domains.catalog.interface import ProductDTO, catalog
from shared.money import Money

_skus = itertools.count(1)


def make_product(*, name: str = "Sencha Uji, 100 g", price: str = "9.90", on_hand: int = 20) -> ProductDTO:
    product = catalog.create_product(
        sku=f"CART-{next(_skus):04d}",
        name=name,
        description="",
        price=Money(amount=Decimal(price), currency="EUR"),
    )
    return catalog.set_stock(product_id=product.id, on_hand=on_hand)


@pytest.fixture
def tea() -> ProductDTO:
    return make_product()


@pytest.fixture
def mug() -> ProductDTO:
    return make_product(name="Stoneware mug, 350 ml", price="18.00", on_hand=3)
