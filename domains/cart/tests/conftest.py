"""Cart test data. The catalog is a fake of its recorded contract (see the root conftest), answering
from a shelf of products each test stocks: what the cart would learn from the catalog's interface."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import uuid
from decimal import Decimal

import pytest

from domains.catalog.interface import ProductDTO, ProductNotFoundError
from shared.contracts import Fakes
from shared.money import Money

_skus = itertools.count(1)


class Shelf:
    """The catalog's products as the cart sees them; the fake catalog answers from it."""

    def __init__(self) -> None:
        self.products: dict[uuid.UUID, ProductDTO] = {}

    def stock(self, *, name: str = "Sencha Uji, 100 g", price: str = "9.90", available: int = 20) -> ProductDTO:
        product = ProductDTO(
            id=uuid.uuid4(),
            sku=f"CART-{next(_skus):04d}",
            name=name,
            description="",
            price=Money(amount=Decimal(price), currency="EUR"),
            is_active=True,
            category=None,
            available=available,
            created_at=dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC),
        )
        self.products[product.id] = product
        return product

    def change(self, product: ProductDTO, **changes: object) -> ProductDTO:
        """The catalog changed the product (repriced it, discontinued it...)."""
        changed = dataclasses.replace(product, **changes)
        self.products[product.id] = changed
        return changed

    def get_product(self, *, product_id: uuid.UUID) -> ProductDTO:
        if product_id not in self.products:
            raise ProductNotFoundError(product_id=product_id)
        return self.products[product_id]

    def get_products(self, *, product_ids: tuple[uuid.UUID, ...]) -> tuple[ProductDTO, ...]:
        return tuple(self.products[product_id] for product_id in product_ids if product_id in self.products)


@pytest.fixture
def shelf(fakes: Fakes) -> Shelf:
    shelf = Shelf()
    fakes.catalog.get_product.answers(shelf.get_product)
    fakes.catalog.get_products.answers(shelf.get_products)
    return shelf


@pytest.fixture
def tea(shelf: Shelf) -> ProductDTO:
    return shelf.stock()


@pytest.fixture
def mug(shelf: Shelf) -> ProductDTO:
    return shelf.stock(name="Stoneware mug, 350 ml", price="18.00", available=3)
