"""`manage.py find_dangling_references`: silent and 0 on a consistent shop; every dangling
reference listed with both ids and exit status 1 otherwise.

The dangling rows are written straight into each domain's tables here: that is the
corruption the command exists to find (a product deleted behind the orders' back, a
restore of one domain's database from an older backup, ...).
"""

from __future__ import annotations

import io
import re
import uuid
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from config.management.commands.find_dangling_references import PAGE_SIZE_INVALID
from domains.billing.models import Invoice, Payment
from domains.cart.models import Cart, CartItem
from domains.catalog.models import Reservation
from domains.notifications.models import Notification
from domains.orders.models import Order, OrderLine
from tests.flows.conftest import Shopper, make_product, new_shopper

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("find_dangling_references", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def shop_with_orders() -> Shopper:
    """A confirmed and a cancelled order, a cart in use: references in every domain."""
    shopper = new_shopper()
    tea, mug = make_product(name="Sencha", price="9.90", on_hand=5), make_product(name="Mug", price="18.00", on_hand=5)
    shopper.add(tea, 1)
    assert shopper.settled(shopper.checkout()["id"])["status"] == "confirmed"
    shopper.add(mug, 1)
    assert shopper.settled(shopper.checkout("tok_chargeDeclined")["id"])["status"] == "cancelled"
    return shopper


def test_a_consistent_shop_has_no_dangling_references(shop_with_orders: Shopper) -> None:
    # 1 reservation (the committed one: a released one holds nothing); a cart and its line;
    # 2 orders, their 2 lines and 2 checkouts; 2 payments and 2 invoices, each naming an order
    # and a customer; 2 notifications, each naming a customer and an order.
    assert run() == (
        0,
        "No dangling references among 21 checked (held by catalog, cart, orders, billing, notifications).\n",
    )


def test_every_kind_of_dangling_reference_is_listed_with_its_ids(shop_with_orders: Shopper) -> None:
    ghost_product, ghost_order, ghost_customer = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    order = Order.objects.get(customer_id=shop_with_orders.id, status="confirmed")
    line = OrderLine.objects.create(
        order=order, product_id=ghost_product, sku="GONE-1", name="Gone", unit_price_amount=Decimal("1.00"), quantity=1
    )
    payment = Payment.objects.create(
        order_id=ghost_order,
        customer_id=shop_with_orders.id,
        amount=Decimal("1.00"),
        currency="EUR",
        payment_token="tok_visa",
    )
    invoice = Invoice.objects.create(
        payment=payment,
        order_id=ghost_order,
        customer_id=shop_with_orders.id,
        total_amount=Decimal("1.00"),
        currency="EUR",
    )
    stray_cart = Cart.objects.create(customer_id=ghost_customer)
    item = CartItem.objects.create(cart=stray_cart, product_id=ghost_product, quantity=1)
    reservation = Reservation.objects.create(order_id=ghost_order)
    notice = Notification.objects.create(
        customer_id=shop_with_orders.id,
        order_id=ghost_order,
        kind="order_confirmed",
        subject="s",
        body="b",
        status="sent",
    )

    status, out = run()

    assert status == 1
    assert out.splitlines() == [
        f"catalog.Reservation {reservation.id} -> orders.order {ghost_order}: not found",
        f"cart.Cart {stray_cart.id} -> identity.user {ghost_customer}: not found",
        f"cart.CartItem {item.id} -> catalog.product {ghost_product}: not found",
        f"orders.OrderLine {line.id} -> catalog.product {ghost_product}: not found",
        f"billing.Payment {payment.id} -> orders.order {ghost_order}: not found",
        f"billing.Invoice {invoice.id} -> orders.order {ghost_order}: not found",
        f"notifications.Notification {notice.id} -> orders.order {ghost_order}: not found",
    ]


def test_an_order_of_an_unknown_customer_is_found_whatever_the_page_size(shop_with_orders: Shopper) -> None:
    ghost = uuid.uuid4()
    order = Order.objects.create(
        customer_id=ghost, status="confirmed", total_amount=Decimal("0.00"), currency="EUR", payment_token="tok_visa"
    )
    expected = [f"orders.Order {order.id} -> identity.user {ghost}: not found"]

    assert run() == (1, "\n".join(expected) + "\n")
    assert run("--page-size", "1") == (1, "\n".join(expected) + "\n")


def test_a_silly_page_size_is_refused() -> None:
    with pytest.raises(CommandError, match=re.escape(PAGE_SIZE_INVALID)):
        call_command("find_dangling_references", "--page-size", "0")
