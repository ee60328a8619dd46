"""The checkout saga as orders sees it: it asks billing for the payment, and billing's answers
(events, published here as billing would) move the order, once, and only forward.

Billing is a fake of its recorded contract (conftest.py); the whole saga across the real
domains runs in tests/flows/.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from domains.billing.interface import PayableItemDTO, PaymentCaptured, PaymentDeclined, PaymentFailed
from domains.catalog.interface import ProductDTO
from domains.orders import saga
from domains.orders.handlers import DECLINED_DETAIL, FAILED_DETAIL
from domains.orders.interface import CancellationReason, OrderDTO, OrderStatus, orders
from domains.orders.models import Order, OrderHistory
from domains.orders.tests.conftest import Shop
from shared.bus.models import StoredEvent
from shared.bus.runtime import publish
from shared.contracts import Fakes
from shared.db import database_for

pytestmark = pytest.mark.django_db

Capture = Callable


@pytest.fixture
def placed_order(shop: Shop, tea: ProductDTO) -> Callable[..., OrderDTO]:
    def place(*, token: str = "tok_visa") -> OrderDTO:
        """An order placed, with no answer from billing delivered yet."""
        customer_id = uuid.uuid4()
        shop.fill_cart(customer_id, (tea, 2))
        return orders.place_order(customer_id=customer_id, payment_token=token)

    return place


def history(order: OrderDTO) -> list[str]:
    return list(OrderHistory.objects.filter(order_id=order.id).order_by("at", "id").values_list("status", flat=True))


def published(name: str, order: OrderDTO) -> int:
    return StoredEvent.objects.using(database_for(name.split(".")[0])).filter(name=name, key=str(order.id)).count()


def captured(order: OrderDTO) -> PaymentCaptured:
    return PaymentCaptured(
        payment_id=uuid.uuid4(),
        order_id=order.id,
        customer_id=order.customer_id,
        amount=order.total,
        invoice_number="INV-00000042",
    )


def test_once_the_order_commits_billing_is_asked_to_charge_it(
    django_capture_on_commit_callbacks: Capture, fakes: Fakes, placed_order: Callable[..., OrderDTO], tea: ProductDTO
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = placed_order()

    assert fakes.billing.request_payment.calls == [
        {
            "order_id": order.id,
            "customer_id": order.customer_id,
            "amount": order.total,
            "payment_token": "tok_visa",
            "items": (PayableItemDTO(description=f"Sencha Uji, 100 g ({tea.sku})", quantity=2, unit_price=tea.price),),
        }
    ]
    assert orders.get_order(order_id=order.id).status == OrderStatus.PENDING_PAYMENT  # until billing answers
    assert published("orders.OrderPlaced", order) == 1


def test_a_captured_payment_confirms_the_order_and_forgets_the_payment_token(
    django_capture_on_commit_callbacks: Capture, placed_order: Callable[..., OrderDTO]
) -> None:
    order = placed_order()

    with django_capture_on_commit_callbacks(execute=True):
        publish(captured(order))

    assert orders.get_order(order_id=order.id).status == OrderStatus.CONFIRMED
    assert history(order) == ["pending_payment", "confirmed"]
    assert Order.objects.get(id=order.id).payment_token == ""  # settled: forgotten
    assert published("orders.OrderConfirmed", order) == 1


def test_a_declined_payment_cancels_the_order_and_says_why(
    django_capture_on_commit_callbacks: Capture, placed_order: Callable[..., OrderDTO]
) -> None:
    order = placed_order(token="tok_insufficientFunds")
    declined = PaymentDeclined(
        payment_id=uuid.uuid4(), order_id=order.id, customer_id=order.customer_id, reason="insufficient funds"
    )

    with django_capture_on_commit_callbacks(execute=True):
        publish(declined)

    cancelled = orders.get_order(order_id=order.id)
    assert (cancelled.status, cancelled.cancellation_reason) == (
        OrderStatus.CANCELLED,
        CancellationReason.PAYMENT_DECLINED,
    )
    note = OrderHistory.objects.get(order_id=order.id, status=OrderStatus.CANCELLED).note
    assert DECLINED_DETAIL.format(reason="insufficient funds") in note
    assert published("orders.OrderCancelled", order) == 1


def test_a_failed_payment_cancels_the_order(
    django_capture_on_commit_callbacks: Capture, placed_order: Callable[..., OrderDTO]
) -> None:
    order = placed_order()
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
    django_capture_on_commit_callbacks: Capture, placed_order: Callable[..., OrderDTO]
) -> None:
    order = placed_order()

    with django_capture_on_commit_callbacks(execute=True):
        publish(captured(order))
        publish(captured(order))

    assert history(order) == ["pending_payment", "confirmed"]
    assert published("orders.OrderConfirmed", order) == 1


def test_a_confirmed_order_is_never_cancelled_by_a_late_answer(
    django_capture_on_commit_callbacks: Capture, placed_order: Callable[..., OrderDTO]
) -> None:
    order = placed_order()
    declined = PaymentDeclined(
        payment_id=uuid.uuid4(), order_id=order.id, customer_id=order.customer_id, reason="the card was declined"
    )

    with django_capture_on_commit_callbacks(execute=True):
        publish(captured(order))
        publish(declined)

    assert orders.get_order(order_id=order.id).status == OrderStatus.CONFIRMED
    assert history(order) == ["pending_payment", "confirmed"]
    assert published("orders.OrderCancelled", order) == 0


def test_payment_is_not_requested_for_an_order_that_moved_on(
    fakes: Fakes, placed_order: Callable[..., OrderDTO]
) -> None:
    order = placed_order()
    saga.cancel(order_id=order.id, reason=CancellationReason.PAYMENT_FAILED, detail="Given up.")

    saga.request_payment(order_id=order.id, lines=order.lines)

    assert fakes.billing.request_payment.calls == []
