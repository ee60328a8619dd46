"""The checkout saga: the process manager that takes an order from placed to confirmed or
cancelled, by events and interface calls only. No step touches another domain's tables.

    POST /api/orders/checkout/ ──> services.place_order
        cart.get_cart, catalog.get_products (prices now), catalog.reserve_stock
        out of stock ──> 409 naming the product; nothing is stored, nothing stays reserved
        order stored as pending_payment ──> orders.OrderPlaced

    orders.OrderPlaced ──> request_payment ──> billing.request_payment
        billing charges its provider after commit; a provider error is retried with backoff

    billing.PaymentCaptured ──> confirm ──> confirmed ──> orders.OrderConfirmed
        catalog commits the reservation, cart takes out what was bought,
        notifications sends the confirmation

    billing.PaymentDeclined ──> cancel (payment_declined) ──> orders.OrderCancelled
    billing.PaymentFailed   ──> cancel (payment_failed)   ──> orders.OrderCancelled
        catalog releases the reservation (the compensation), notifications tells the
        customer why; the cart stays as it was, to try again

The order's status is the saga's state. Each step is idempotent: an event delivered
twice, or a step for an order that already moved on, changes nothing (and logs it).
"""

from __future__ import annotations

import logging
from uuid import UUID

from domains.billing.interface import PayableItemDTO, billing
from domains.orders import checkouts
from domains.orders.interface import (
    CancellationReason,
    OrderCancelled,
    OrderConfirmed,
    OrderLineDTO,
    OrderNotFoundError,
    OrderStatus,
)
from domains.orders.models import Order, OrderHistory
from domains.orders.selectors import order_dto
from shared.bus.runtime import publish
from shared.db import atomic
from shared.money import Money

logger = logging.getLogger(__name__)

NEXT_STATUSES: dict[str, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
CONFIRMED_NOTE = "Paid (invoice {invoice_number}); the stock is sold."
CANCELLED_NOTE = "Cancelled ({reason}): {detail} The reserved stock was released."


def request_payment(*, order_id: UUID, lines: tuple[OrderLineDTO, ...]) -> None:
    """Ask billing to charge a pending order (billing deduplicates by order id).

    `lines` are the order's, as orders.OrderPlaced carries them: they never change once
    recorded, so only the order's row is read.
    """
    order = Order.objects.filter(id=order_id).first()
    if order is None:
        raise OrderNotFoundError(order_id=order_id)
    if order.status != OrderStatus.PENDING_PAYMENT:
        logger.info("orders.saga.payment_not_needed", extra={"order_id": str(order_id), "status": order.status})
        return
    billing.request_payment(
        order_id=order.id,
        customer_id=order.customer_id,
        amount=order.total,
        payment_token=order.payment_token,
        items=tuple(
            PayableItemDTO(
                description=f"{line.name} ({line.sku})",
                quantity=line.quantity,
                unit_price=Money(amount=line.unit_price.amount, currency=order.currency),
            )
            for line in lines
        ),
    )


def confirm(*, order_id: UUID, invoice_number: str) -> None:
    with atomic("orders"):
        order = _move(order_id, OrderStatus.CONFIRMED, CONFIRMED_NOTE.format(invoice_number=invoice_number))
        if order is None:
            return
        dto = order_dto(order)
        publish(OrderConfirmed(order_id=dto.id, customer_id=dto.customer_id, total=dto.total, lines=dto.lines))


def cancel(*, order_id: UUID, reason: CancellationReason, detail: str) -> None:
    with atomic("orders"):
        note = CANCELLED_NOTE.format(reason=reason, detail=detail)
        order = _move(order_id, OrderStatus.CANCELLED, note, reason=reason)
        if order is None:
            return
        checkouts.close(order_id)  # the cart stays as it was: the same version may be ordered again
        publish(OrderCancelled(order_id=order.id, customer_id=order.customer_id, reason=reason, detail=detail))


def _move(order_id: UUID, to: OrderStatus, note: str, reason: CancellationReason | None = None) -> Order | None:
    """Lock the order and move it to `to`; None when it already is there or cannot go there."""
    order = Order.objects.select_for_update().filter(id=order_id).first()
    if order is None:
        raise OrderNotFoundError(order_id=order_id)
    if to not in NEXT_STATUSES[order.status]:
        log = logger.info if order.status == to else logger.warning
        log("orders.saga.transition_skipped", extra={"order_id": str(order_id), "status": order.status, "to": to})
        return None
    order.status = to
    order.cancellation_reason = reason or ""
    order.payment_token = ""  # settled: the customer's payment method is no business of orders any more
    order.save(update_fields=["status", "cancellation_reason", "payment_token", "updated_at"])
    OrderHistory.objects.create(order=order, status=to, note=note[:500])
    return order
