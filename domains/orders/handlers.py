"""The orders' reactions to events: the checkout saga's wiring (steps in domains.orders.saga)."""

from __future__ import annotations

from domains.billing.interface import PaymentCaptured, PaymentDeclined, PaymentFailed
from domains.orders import saga
from domains.orders.interface import CancellationReason, OrderPlaced
from shared.bus.subscriptions import Subscription

FAILED_DETAIL = (
    "The payment service could not take the payment ({reason}; tried {attempts} times). Nothing was charged."
)
DECLINED_DETAIL = "The payment was declined: {reason}. Nothing was charged."


def request_payment_for_placed_order(event: OrderPlaced) -> None:
    """Runs after the order commits, so billing is asked only for orders that exist."""
    saga.request_payment(order_id=event.order_id, lines=event.lines)


def confirm_paid_order(event: PaymentCaptured) -> None:
    saga.confirm(order_id=event.order_id, invoice_number=event.invoice_number)


def cancel_order_whose_payment_was_declined(event: PaymentDeclined) -> None:
    saga.cancel(
        order_id=event.order_id,
        reason=CancellationReason.PAYMENT_DECLINED,
        detail=DECLINED_DETAIL.format(reason=event.reason),
    )


def cancel_order_whose_payment_failed(event: PaymentFailed) -> None:
    saga.cancel(
        order_id=event.order_id,
        reason=CancellationReason.PAYMENT_FAILED,
        detail=FAILED_DETAIL.format(reason=event.reason, attempts=event.attempts),
    )


SUBSCRIPTIONS = (
    Subscription(
        id="orders.request_payment_for_placed_order", event=OrderPlaced, handler=request_payment_for_placed_order
    ),
    Subscription(id="orders.confirm_paid_order", event=PaymentCaptured, handler=confirm_paid_order),
    Subscription(
        id="orders.cancel_order_whose_payment_was_declined",
        event=PaymentDeclined,
        handler=cancel_order_whose_payment_was_declined,
    ),
    Subscription(
        id="orders.cancel_order_whose_payment_failed", event=PaymentFailed, handler=cancel_order_whose_payment_failed
    ),
)
