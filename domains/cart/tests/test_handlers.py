"""After a confirmed order, the cart no longer holds what was bought, and only that."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest

from domains.cart.interface import cart
from domains.cart.models import Cart
from domains.catalog.interface import ProductDTO
from domains.orders.interface import OrderConfirmed, OrderLineDTO
from shared.bus.models import Delivery, DeliveryStatus
from shared.bus.runtime import publish
from shared.db import database_for
from shared.money import Money

pytestmark = pytest.mark.django_db


def bought(product: ProductDTO, quantity: int) -> OrderLineDTO:
    return OrderLineDTO(
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        unit_price=product.price,
        quantity=quantity,
        line_total=product.price.times(quantity),
    )


def confirmed(customer_id: uuid.UUID, *lines: OrderLineDTO) -> OrderConfirmed:
    return OrderConfirmed(
        order_id=uuid.uuid4(), customer_id=customer_id, total=Money(amount=Decimal("1.00"), currency="EUR"), lines=lines
    )


def test_a_confirmed_order_takes_the_bought_units_out_of_the_cart(
    django_capture_on_commit_callbacks: Callable, tea: ProductDTO, mug: ProductDTO
) -> None:
    customer_id = uuid.uuid4()
    cart.add_item(customer_id=customer_id, product_id=tea.id, quantity=2)
    cart.add_item(customer_id=customer_id, product_id=mug.id, quantity=1)

    with django_capture_on_commit_callbacks(execute=True):
        publish(confirmed(customer_id, bought(tea, 2), bought(mug, 1)))

    assert cart.get_cart(customer_id=customer_id).lines == ()
    # The cart's tests see the cart alone: no other domain's handler received the event.
    assert list(Delivery.objects.using(database_for("cart")).values_list("subscriber", "status")) == [
        ("cart.empty_cart_of_confirmed_order", DeliveryStatus.DONE)
    ]


def test_units_added_while_the_payment_ran_stay_for_the_next_order(
    django_capture_on_commit_callbacks: Callable, tea: ProductDTO, mug: ProductDTO
) -> None:
    customer_id = uuid.uuid4()
    cart.add_item(customer_id=customer_id, product_id=tea.id, quantity=5)
    cart.add_item(customer_id=customer_id, product_id=mug.id, quantity=1)

    with django_capture_on_commit_callbacks(execute=True):
        publish(confirmed(customer_id, bought(tea, 2)))

    assert [(line.product_id, line.quantity) for line in cart.get_cart(customer_id=customer_id).lines] == [
        (tea.id, 3),
        (mug.id, 1),
    ]


def test_a_customer_without_a_cart_gets_none_from_a_confirmed_order(
    django_capture_on_commit_callbacks: Callable, tea: ProductDTO
) -> None:
    customer_id = uuid.uuid4()

    with django_capture_on_commit_callbacks(execute=True):
        publish(confirmed(customer_id, bought(tea, 2)))

    assert not Cart.objects.filter(customer_id=customer_id).exists()
