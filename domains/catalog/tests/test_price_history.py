"""The catalog's own subscriber, wired through the project's real bus."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domains.catalog.models import PriceHistory
from domains.catalog.services import change_price, create_product
from shared.bus.models import Delivery, DeliveryStatus
from shared.db import atomic, database_for
from shared.money import Money

pytestmark = pytest.mark.django_db(transaction=True)


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


def test_a_price_change_is_recorded_in_the_history_after_it_commits() -> None:
    product = create_product(sku="TEA-9", name="Oolong", description="", price=eur("10.00"))

    with atomic("catalog"):
        change_price(product_id=product.id, price=eur("12.50"))
        assert not PriceHistory.objects.exists()

    history = PriceHistory.objects.get()
    assert (history.product_id, history.old_amount, history.new_amount, history.currency) == (
        product.id,
        Decimal("10.00"),
        Decimal("12.50"),
        "EUR",
    )
    assert (
        Delivery.objects.using(database_for("catalog")).get(subscriber="catalog.record_price_change").status
        == DeliveryStatus.DONE
    )


def test_setting_the_same_price_again_records_nothing() -> None:
    product = create_product(sku="TEA-9", name="Oolong", description="", price=eur("10.00"))

    change_price(product_id=product.id, price=eur("10.00"))

    assert not PriceHistory.objects.exists()
    assert not Delivery.objects.using(database_for("catalog")).exists()
