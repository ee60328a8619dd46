"""The checkout saga as orders sees it: billing's answers move the order, once, and only forward."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from domains.billing.interface import PaymentCaptured, PaymentDeclined, PaymentFailed, PaymentStatus, billing
from domains.catalog.interface import ProductDTO
from domains.orders import saga
from domains.orders.handlers import DECLINED_DETAIL, FAILED_DETAIL
from domains.orders.interface import CancellationReason, OrderDTO, OrderStatus, orders
from domains.orders.models import Order, OrderHistory
from domains.orders.tests.conftest import fill_cart
from shared.bus.models import StoredEvent
from shared.bus.runtime import publish

pytestmark = pytest.mark.django_db

Capture = Callable


def placed_order(tea: ProductDTO, *, token: str = "tok_visa") -> OrderDTO:
    """An order placed with its payment requested, but no answer from billing delivered yet."""
    customer_id = uuid.uuid4()
    fill_cart(customer_id, (tea, 2))
    return orders.place_order(customer_id=customer_id, payment_token=token)


def history(order: OrderDTO) -> list[str]:
    return list(OrderHistory.objects.filter(order_id=order.id).order_by("at", "id").values_list("status", flat=True))


def published(name: str, order: OrderDTO) -> int:
    return StoredEvent.objects.filter(name=name, key=str(order.id)).count()


def captured(order: OrderDTO) -> PaymentCaptured:
    return PaymentCaptured(
        payment_id=uuid.uuid4(),
        order_id=order.id,
        customer_id=order.customer_id,
        amount=order.total,
        invoice_number="INV-00000042",
    )


def test_the_whole_saga_runs_after_commit_and_confirms_a_paid_order(
    django_capture_on_commit_callbacks: Capture, tea: ProductDTO
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = placed_order(tea)

    assert orders.get_order(order_id=order.id).status == OrderStatus.CONFIRMED
    assert history(order) == ["pending_payment", "confirmed"]
    assert Order.objects.get(id=order.id).payment_token == ""  # settled: forgotten
    payment = billing.get_payment_for_order(order_id=order.id)
    assert payment is not None
    assert (payment.status, payment.amount) == (PaymentStatus.CAPTURED, order.total)
    assert [published(name, order) for name in ("orders.OrderPlaced", "orders.OrderConfirmed")] == [1, 1]


def test_a_declined_payment_cancels_the_order_and_says_why(
    django_capture_on_commit_callbacks: Capture, tea: ProductDTO
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = placed_order(tea, token="tok_insufficientFunds")

    cancelled = orders.get_order(order_id=order.id)
    assert (cancelled.status, cancelled.cancellation_reason) == (
        OrderStatus.CANCELLED,
        CancellationReason.PAYMENT_DECLINED,
    )
    note = OrderHistory.objects.get(order_id=order.id, status=OrderStatus.CANCELLED).note
    assert DECLINED_DETAIL.format(reason="insufficient funds") in note
    assert published("orders.OrderCancelled", order) == 1


def test_a_failed_payment_cancels_the_order(django_capture_on_commit_callbacks: Capture, tea: ProductDTO) -> None:
    order = placed_order(tea)
    failed = PaymentFailed(
        payment_id=uuid.uuid4(),
        order_id=order.id,
        customer_id=order.customer_id,
        reason="the payment provider did not answer",
        attempts=5,
    )

    with django_capture_on_commit_callbacks(execute=True):
        publish(failed)

    assert orders.get_order(order_id=order.id).cancellation_reason == CancellationReason.PAYMENT_FAILED
    note = OrderHistory.objects.get(order_id=order.id, status=OrderStatus.CANCELLED).note
    assert FAILED_DETAIL.format(reason="the payment provider did not answer", attempts=5) in note


def test_the_same_answer_twice_moves_the_order_once(
    django_capture_on_commit_callbacks: Capture, tea: ProductDTO
) -> None:
    order = placed_order(tea)

    with django_capture_on_commit_callbacks(execute=True):
        publish(captured(order))
        publish(captured(order))

    assert history(order) == ["pending_payment", "confirmed"]
    assert published("orders.OrderConfirmed", order) == 1


def test_a_confirmed_order_is_never_cancelled_by_a_late_answer(
    django_capture_on_commit_callbacks: Capture, tea: ProductDTO
) -> None:
    order = placed_order(tea)
    declined = PaymentDeclined(
        payment_id=uuid.uuid4(), order_id=order.id, customer_id=order.customer_id, reason="the card was declined"
    )

    with django_capture_on_commit_callbacks(execute=True):
        publish(captured(order))
        publish(declined)

    assert orders.get_order(order_id=order.id).status == OrderStatus.CONFIRMED
    assert history(order) == ["pending_payment", "confirmed"]
    assert published("orders.OrderCancelled", order) == 0


def test_payment_is_not_requested_for_an_order_that_moved_on(tea: ProductDTO) -> None:
    order = placed_order(tea)
    saga.cancel(order_id=order.id, reason=CancellationReason.PAYMENT_FAILED, detail="Given up.")

    saga.request_payment(order_id=order.id)

    assert billing.get_payment_for_order(order_id=order.id) is None
