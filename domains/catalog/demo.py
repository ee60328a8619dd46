"""Demo products for a local shop. Idempotent: products are matched by SKU."""

from __future__ import annotations

from decimal import Decimal

from domains.catalog.models import Product
from domains.catalog.services import create_product
from shared.money import Money

DEMO_PRODUCTS = (
    ("TEA-001", "Darjeeling First Flush, 100 g", "Light, floral black tea from the spring harvest.", "12.50"),
    ("TEA-002", "Sencha Uji, 100 g", "Steamed green tea, grassy and sweet.", "9.90"),
    ("MUG-001", "Stoneware mug, 350 ml", "Hand-glazed, dishwasher safe.", "18.00"),
    ("KET-001", "Gooseneck kettle, 1 l", "Temperature control from 40 to 100 °C.", "64.00"),
)


def load_demo_data() -> list[str]:
    existing = set(Product.objects.filter(sku__in=[sku for sku, *_ in DEMO_PRODUCTS]).values_list("sku", flat=True))
    for sku, name, description, price in DEMO_PRODUCTS:
        if sku not in existing:
            create_product(
                sku=sku, name=name, description=description, price=Money(amount=Decimal(price), currency="EUR")
            )
    return [f"{Product.objects.filter(is_active=True).count()} products in the catalog"]
