"""The catalog follows orders' events: a confirmed order's stock is sold, a cancelled one's released."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest

from domains.catalog.interface import catalog
from domains.catalog.models import PriceHistory
from domains.catalog.tests.factories import line, make_product, stock_of
from domains.orders.interface import CancellationReason, OrderCancelled, OrderConfirmed
from shared.bus.runtime import publish
from shared.money import Money

pytestmark = pytest.mark.django_db

EUR = Money.zero("EUR")


def test_a_confirmed_order_sells_its_reserved_units(django_capture_on_commit_callbacks: Callable) -> None:
    tea = make_product(on_hand=10)
    order_id = uuid.uuid4()
    catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),))

    with django_capture_on_commit_callbacks(execute=True):
        publish(OrderConfirmed(order_id=order_id, customer_id=uuid.uuid4(), total=EUR, lines=()))

    assert stock_of(tea) == (6, 0)


def test_a_cancelled_order_releases_its_reserved_units(django_capture_on_commit_callbacks: Callable) -> None:
    tea = make_product(on_hand=10)
    order_id = uuid.uuid4()
    catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),))

    with django_capture_on_commit_callbacks(execute=True):
        publish(
            OrderCancelled(
                order_id=order_id,
                customer_id=uuid.uuid4(),
                reason=CancellationReason.PAYMENT_DECLINED,
                detail="The card was declined.",
            )
        )

    assert stock_of(tea) == (10, 0)


def test_one_confirmation_arriving_twice_sells_the_units_once(django_capture_on_commit_callbacks: Callable) -> None:
    tea = make_product(on_hand=10)
    order_id = uuid.uuid4()
    catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),))
    confirmed = OrderConfirmed(order_id=order_id, customer_id=uuid.uuid4(), total=EUR, lines=())

    with django_capture_on_commit_callbacks(execute=True):
        publish(confirmed)
        publish(confirmed)

    assert stock_of(tea) == (6, 0)


def test_a_price_change_is_recorded_in_the_price_history(django_capture_on_commit_callbacks: Callable) -> None:
    tea = make_product(price="9.90")

    with django_capture_on_commit_callbacks(execute=True):
        catalog.change_price(product_id=tea.id, price=Money(amount=Decimal("10.40"), currency="EUR"))
        catalog.change_price(product_id=tea.id, price=Money(amount=Decimal("10.40"), currency="EUR"))

    assert list(PriceHistory.objects.values_list("product_id", "old_amount", "new_amount", "currency")) == [
        (tea.id, Decimal("9.90"), Decimal("10.40"), "EUR")
    ]
