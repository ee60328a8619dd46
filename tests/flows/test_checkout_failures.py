"""Checkout's failure paths across every domain, with their compensation.

out of stock        409 naming the product; nothing ordered, nothing held, cart as it was
payment declined    order cancelled, reservation released, customer told why, cart kept
provider error      retried with backoff by the bus, then cancelled the same way
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from domains.billing.interface import InvoiceStatus, PaymentStatus, billing
from domains.billing.providers import CallOutcome, payment_provider
from domains.billing.services import provider_key
from domains.cart.interface import cart
from domains.catalog.interface import ProductDTO, catalog
from domains.notifications.interface import NotificationKind, NotificationStatus, notifications
from domains.orders.interface import CancellationReason, OrderStatus, orders
from domains.orders.models import Order
from tests.flows.conftest import Shopper

pytestmark = pytest.mark.django_db(transaction=True)

MAX_ATTEMPTS = 3


def available(product: ProductDTO) -> int:
    return catalog.get_product(product_id=product.id).available


def cart_of(shopper: Shopper) -> list[tuple[str, int]]:
    return [(str(line.product_id), line.quantity) for line in cart.get_cart(customer_id=shopper.id).lines]


def test_out_of_stock_is_a_409_naming_the_product_and_leaves_everything_as_it_was(
    shopper: Shopper, tea: ProductDTO, teapot: ProductDTO
) -> None:
    shopper.add(tea, 2)
    shopper.add(teapot, 2)

    answer = shopper.checkout()

    assert (answer["status_code"], answer["code"], answer["params"]) == (
        409,
        "orders.product_out_of_stock",
        {"product_id": str(teapot.id), "sku": teapot.sku, "requested": 2, "available": 1},
    )
    assert (available(tea), available(teapot)) == (10, 1)
    assert cart_of(shopper) == [(str(tea.id), 2), (str(teapot.id), 2)]
    assert Order.objects.count() == 0


def test_a_declined_payment_cancels_the_order_releases_the_stock_and_tells_the_customer(
    shopper: Shopper, tea: ProductDTO
) -> None:
    shopper.add(tea, 3)

    answer = shopper.checkout("tok_chargeDeclined")
    order = shopper.settled(answer["id"])

    assert (answer["status_code"], order["status"], order["cancellation_reason"]) == (
        201,
        "cancelled",
        "payment_declined",
    )
    assert available(tea) == 10
    assert cart_of(shopper) == [(str(tea.id), 3)]  # kept, to try again with another card
    payment = billing.get_payment_for_order(order_id=answer["id"])
    assert payment is not None
    assert (payment.status, payment.failure_reason, payment.invoice.status) == (
        PaymentStatus.DECLINED,
        "the card was declined",
        InvoiceStatus.VOID,
    )
    (told,) = notifications.get_notifications(customer_id=shopper.id)
    assert (told.kind, told.status, told.recipient) == (
        NotificationKind.ORDER_CANCELLED,
        NotificationStatus.SENT,
        shopper.principal.email,
    )
    assert "The payment was declined: the card was declined." in told.body


@override_settings(BUS_MAX_ATTEMPTS=MAX_ATTEMPTS, BUS_RETRY_BASE_SECONDS=0)
def test_a_payment_provider_error_is_retried_then_the_order_is_cancelled_the_same_way(
    shopper: Shopper, tea: ProductDTO
) -> None:
    shopper.add(tea, 3)

    answer = shopper.checkout("tok_providerError")

    assert (answer["status_code"], answer["status"]) == (201, "pending_payment")  # first attempt failed
    assert available(tea) == 7
    for _ in range(MAX_ATTEMPTS - 1):  # what `manage.py bus work` does in a loop beside the server
        call_command("bus", "work", "--once", stdout=io.StringIO())

    order = orders.get_order(order_id=answer["id"])
    assert (order.status, order.cancellation_reason) == (OrderStatus.CANCELLED, CancellationReason.PAYMENT_FAILED)
    assert available(tea) == 10
    payment = billing.get_payment_for_order(order_id=order.id)
    assert payment is not None
    assert (payment.status, payment.attempts, payment.invoice.status) == (
        PaymentStatus.FAILED,
        MAX_ATTEMPTS,
        InvoiceStatus.VOID,
    )
    (told,) = notifications.get_notifications(customer_id=shopper.id)
    assert told.kind == NotificationKind.ORDER_CANCELLED
    assert f"tried {MAX_ATTEMPTS} times" in told.body


@override_settings(BUS_MAX_ATTEMPTS=MAX_ATTEMPTS, BUS_RETRY_BASE_SECONDS=0)
def test_a_payment_provider_that_fails_once_is_called_twice_and_the_order_confirmed(
    shopper: Shopper, tea: ProductDTO
) -> None:
    shopper.add(tea, 1)

    answer = shopper.checkout("tok_providerErrorOnce")
    order = shopper.settled(answer["id"])

    assert (answer["status"], order["status"]) == ("pending_payment", "confirmed")  # the first attempt failed
    payment = billing.get_payment_for_order(order_id=answer["id"])
    assert payment is not None
    assert (payment.status, payment.attempts) == (PaymentStatus.CAPTURED, 2)
    calls = payment_provider().calls(provider_key(payment.order_id))  # type: ignore[attr-defined]
    assert [call.outcome for call in calls] == [CallOutcome.FAILED, CallOutcome.APPROVED]
    assert (available(tea), cart_of(shopper)) == (9, [])
