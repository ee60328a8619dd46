"""Orders test data: products made and carts filled through the catalog's and cart's interfaces."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

import pytest

from domains.cart.interface import cart
from domains.catalog.interface import ProductDTO, catalog
from shared.money import Money

_skus = itertools.count(1)


def make_product(
    *, name: str = "Sencha Uji, 100 g", price: str = "9.90", on_hand: int = 20, currency: str = "EUR"
) -> ProductDTO:
    product = catalog.create_product(
        sku=f"ORD-{next(_skus):04d}",
        name=name,
        description="",
        price=Money(amount=Decimal(price), currency=currency),
    )
    return catalog.set_stock(product_id=product.id, on_hand=on_hand)


def fill_cart(customer_id: uuid.UUID, *lines: tuple[ProductDTO, int]) -> None:
    for product, quantity in lines:
        cart.add_item(customer_id=customer_id, product_id=product.id, quantity=quantity)


@pytest.fixture
def tea() -> ProductDTO:
    return make_product()


@pytest.fixture
def mug() -> ProductDTO:
    return make_product(name="Stoneware mug, 350 ml", price="18.00", on_hand=3)
