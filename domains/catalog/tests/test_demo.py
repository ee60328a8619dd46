"""The demo catalog: dozens of products in categories, with stock; loading it twice adds nothing."""

from __future__ import annotations

import pytest

from domains.catalog import demo
from domains.catalog.models import Category, Product, StockLevel

pytestmark = pytest.mark.django_db


def test_the_demo_catalog_has_dozens_of_products_in_categories_with_stock() -> None:
    lines = demo.load_demo_data()

    assert lines == [f"{len(demo.PRODUCTS)} products in {len(demo.CATEGORIES)} categories in the catalog"]
    assert len(demo.PRODUCTS) >= 36
    assert Product.objects.filter(is_active=True, category__isnull=False).count() == len(demo.PRODUCTS)
    assert set(Category.objects.values_list("slug", flat=True)) == {slug for slug, *_ in demo.CATEGORIES}
    assert all(level.on_hand > 0 and level.reserved == 0 for level in StockLevel.objects.all())


def test_loading_the_demo_catalog_again_changes_nothing_already_there() -> None:
    demo.load_demo_data()
    before = list(Product.objects.order_by("sku").values())
    stock = list(StockLevel.objects.order_by("product_id").values())

    demo.load_demo_data()

    assert list(Product.objects.order_by("sku").values()) == before
    assert list(StockLevel.objects.order_by("product_id").values()) == stock
