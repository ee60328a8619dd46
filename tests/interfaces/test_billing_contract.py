"""Billing's contract, through its interface alone: local, over the wire, and served by another process."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domains.billing.interface import (
    InvoiceStatus,
    PayableItemDTO,
    PaymentConflictError,
    PaymentDTO,
    PaymentRequestInvalidError,
    PaymentStatus,
    billing,
)
from shared.money import Money
from tests.interfaces.conftest import Serve
from tests.reliability.processes import wait_until


@pytest.fixture(autouse=True)
def _served(serve: Serve) -> None:
    serve(billing)


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


ITEMS = (
    PayableItemDTO(description="Sencha, 100 g", quantity=2, unit_price=eur("4.50")),
    PayableItemDTO(description="Teapot", quantity=1, unit_price=eur("21.00")),
)


def requested(
    order_id: uuid.UUID, *, token: str = "tok_visa", amount: str = "30.00", items: tuple[PayableItemDTO, ...] = ITEMS
) -> PaymentDTO:
    return billing.request_payment(
        order_id=order_id, customer_id=uuid.UUID(int=5), amount=eur(amount), payment_token=token, items=items
    )


def settled(order_id: uuid.UUID) -> PaymentDTO:
    return wait_until(
        lambda: (
            (p := billing.get_payment_for_order(order_id=order_id)) is not None
            and p.status != PaymentStatus.PENDING
            and p
        ),
        timeout=20,
        what=f"the payment of order {order_id} to be settled",
    )


def test_a_requested_payment_issues_the_invoice_and_is_captured() -> None:
    order_id = uuid.uuid4()

    payment = requested(order_id)
    again = requested(order_id)
    captured = settled(order_id)

    assert (payment.order_id, payment.amount) == (order_id, eur("30.00"))
    assert again.id == payment.id
    assert [(line.description, line.quantity, line.line_total) for line in payment.invoice.lines] == [
        ("Sencha, 100 g", 2, eur("9.00")),
        ("Teapot", 1, eur("21.00")),
    ]
    assert (captured.status, captured.attempts, captured.invoice.status) == (
        PaymentStatus.CAPTURED,
        1,
        InvoiceStatus.PAID,
    )


def test_a_declined_payment_voids_its_invoice() -> None:
    order_id = uuid.uuid4()
    requested(order_id, token="tok_chargeDeclined")

    declined = settled(order_id)

    assert (declined.status, declined.invoice.status) == (PaymentStatus.DECLINED, InvoiceStatus.VOID)
    assert declined.failure_reason != ""


def test_a_payment_is_requested_once_per_order_and_only_when_its_items_add_up() -> None:
    order_id, other_order = uuid.uuid4(), uuid.uuid4()
    first = requested(order_id)

    with pytest.raises(PaymentConflictError) as conflict:
        requested(
            order_id,
            amount="31.00",
            items=(*ITEMS, PayableItemDTO(description="Spoon", quantity=1, unit_price=eur("1.00"))),
        )
    with pytest.raises(PaymentRequestInvalidError) as invalid:
        requested(other_order, amount="29.00")

    assert conflict.value == PaymentConflictError(order_id=order_id, existing=eur("30.00"), requested=eur("31.00"))
    assert invalid.value.params["order_id"] == other_order
    assert billing.get_payment_for_order(order_id=other_order) is None
    assert billing.get_payment_for_order(order_id=order_id).id == first.id  # type: ignore[union-attr]
