"""Every change to a cart gives it a new version: checkout orders one version once."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from domains.cart.interface import CartItemNotFoundError, cart
from domains.catalog.interface import ProductDTO
from domains.orders.interface import OrderConfirmed, OrderLineDTO
from shared.bus.runtime import publish

pytestmark = pytest.mark.django_db


def version(customer_id: uuid.UUID) -> int:
    return cart.get_cart(customer_id=customer_id).version


def test_a_cart_never_used_is_version_0() -> None:
    assert cart.get_cart(customer_id=uuid.uuid4()).version == 0


def test_every_change_makes_a_new_version(
    tea: ProductDTO, mug: ProductDTO, django_capture_on_commit_callbacks: Callable
) -> None:
    customer_id = uuid.uuid4()
    seen = [version(customer_id)]

    cart.add_item(customer_id=customer_id, product_id=tea.id, quantity=2)
    seen.append(version(customer_id))
    cart.add_item(customer_id=customer_id, product_id=mug.id, quantity=1)
    seen.append(version(customer_id))
    cart.set_quantity(customer_id=customer_id, product_id=tea.id, quantity=3)
    seen.append(version(customer_id))
    cart.remove_item(customer_id=customer_id, product_id=mug.id)
    seen.append(version(customer_id))
    with django_capture_on_commit_callbacks(execute=True):
        bought = OrderLineDTO(
            product_id=tea.id, sku=tea.sku, name=tea.name, unit_price=tea.price, quantity=1, line_total=tea.price
        )
        publish(OrderConfirmed(order_id=uuid.uuid4(), customer_id=customer_id, total=tea.price, lines=(bought,)))
    seen.append(version(customer_id))
    cart.clear(customer_id=customer_id)
    seen.append(version(customer_id))

    assert seen == [0, 1, 2, 3, 4, 5, 6]


def test_a_refused_change_keeps_the_version(tea: ProductDTO) -> None:
    customer_id = uuid.uuid4()
    cart.add_item(customer_id=customer_id, product_id=tea.id, quantity=1)

    with pytest.raises(CartItemNotFoundError):
        cart.remove_item(customer_id=customer_id, product_id=uuid.uuid4())

    assert version(customer_id) == 1
