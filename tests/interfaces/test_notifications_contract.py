"""Notifications' contract, through its interface alone: local, over the wire, and served by another process."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domains.cart.interface import cart
from domains.catalog.interface import catalog
from domains.identity.interface import identity
from domains.notifications.interface import NotificationKind, NotificationStatus, notifications
from domains.orders.interface import OrderStatus, orders
from shared.money import Money
from tests.interfaces.conftest import Serve
from tests.reliability.processes import wait_until


@pytest.fixture(autouse=True)
def _served(serve: Serve) -> None:
    serve(notifications)


def test_a_customer_told_nothing_has_no_notifications() -> None:
    assert notifications.get_notifications(customer_id=uuid.uuid4()) == ()


def test_a_confirmed_order_is_told_to_its_customer_newest_first_at_most_limit() -> None:
    user = identity.register_user(
        email=f"n-{uuid.uuid4().hex[:8]}@example.com", password="analytical-engine-1843", full_name="Ada"
    )
    product = catalog.create_product(
        sku=f"N-{uuid.uuid4().hex[:10]}",
        name="Oolong",
        description="",
        price=Money(amount=Decimal("8.00"), currency="EUR"),
    )
    catalog.set_stock(product_id=product.id, on_hand=5)
    placed = []
    for _ in range(2):
        cart.add_item(customer_id=user.id, product_id=product.id, quantity=1)
        order = orders.place_order(customer_id=user.id, payment_token="tok_visa")
        wait_until(
            lambda order=order: orders.get_order(order_id=order.id).status == OrderStatus.CONFIRMED,
            timeout=20,
            what="the order confirmed",
        )
        placed.append(order.id)

    told = wait_until(
        lambda: len(found := notifications.get_notifications(customer_id=user.id)) == 2 and found,
        timeout=20,
        what="two notifications",
    )
    latest = notifications.get_notifications(customer_id=user.id, limit=1)

    assert [(n.kind, n.order_id, n.recipient, n.status) for n in told] == [
        (NotificationKind.ORDER_CONFIRMED, placed[1], user.email, NotificationStatus.SENT),
        (NotificationKind.ORDER_CONFIRMED, placed[0], user.email, NotificationStatus.SENT),
    ]
    assert latest == told[:1]
