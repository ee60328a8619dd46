"""Payments: requested once per order with an open invoice, charged after commit, outcomes recorded once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal

import pytest

from domains.billing import services
from domains.billing.interface import (
    InvoiceStatus,
    PayableItemDTO,
    PaymentConflictError,
    PaymentDTO,
    PaymentRequestInvalidError,
    PaymentStatus,
    billing,
)
from domains.billing.providers import PROVIDER_DOWN, CallOutcome, PaymentProviderError, payment_provider
from shared.bus.models import StoredEvent
from shared.db import database_for
from shared.money import Money

pytestmark = pytest.mark.django_db

Unchanged = Callable[[], AbstractContextManager[None]]


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


ITEMS = (
    PayableItemDTO(description="Sencha Uji, 100 g (TEA-002)", quantity=2, unit_price=eur("9.90")),
    PayableItemDTO(description="Stoneware mug (MUG-001)", quantity=1, unit_price=eur("18.00")),
)


def request(*, token: str = "tok_visa", amount: str = "37.80", items: tuple[PayableItemDTO, ...] = ITEMS) -> PaymentDTO:
    return billing.request_payment(
        order_id=uuid.uuid4(), customer_id=uuid.uuid4(), amount=eur(amount), payment_token=token, items=items
    )


def events(name: str, payment: PaymentDTO) -> list[dict]:
    return list(
        StoredEvent.objects.using(database_for(name.split(".")[0]))
        .filter(name=name, key=str(payment.order_id))
        .values_list("payload", flat=True)
    )


def test_requesting_a_payment_issues_an_open_invoice_and_asks_for_the_charge() -> None:
    payment = request()

    assert (payment.status, payment.amount, payment.attempts, payment.failure_reason) == (
        PaymentStatus.PENDING,
        eur("37.80"),
        0,
        "",
    )
    assert (payment.invoice.status, payment.invoice.total, payment.invoice.number[:4]) == (
        InvoiceStatus.OPEN,
        eur("37.80"),
        "INV-",
    )
    assert [(line.description, line.quantity, line.line_total) for line in payment.invoice.lines] == [
        ("Sencha Uji, 100 g (TEA-002)", 2, eur("19.80")),
        ("Stoneware mug (MUG-001)", 1, eur("18.00")),
    ]
    assert events("billing.PaymentRequested", payment) == [
        {"payment_id": str(payment.id), "order_id": str(payment.order_id)}
    ]


def test_requesting_again_for_the_same_order_returns_the_same_payment() -> None:
    payment = request()

    again = billing.request_payment(
        order_id=payment.order_id,
        customer_id=payment.customer_id,
        amount=eur("37.80"),
        payment_token="tok_visa",
        items=ITEMS,
    )

    assert again == payment
    assert len(events("billing.PaymentRequested", payment)) == 1


def test_requesting_a_different_amount_for_the_same_order_is_a_conflict(unchanged_database: Unchanged) -> None:
    payment = request()

    with unchanged_database(), pytest.raises(PaymentConflictError) as raised:
        billing.request_payment(
            order_id=payment.order_id,
            customer_id=payment.customer_id,
            amount=eur("19.80"),
            payment_token="tok_visa",
            items=ITEMS[:1],
        )

    assert raised.value.params == {"order_id": payment.order_id, "existing": eur("37.80"), "requested": eur("19.80")}


@pytest.mark.parametrize(
    ("amount", "items", "reason"),
    [
        pytest.param("37.80", (), "a payment needs at least one item", id="no-items"),
        pytest.param("40.00", ITEMS, "the items add up to 37.80 EUR, not 40.00 EUR", id="items-do-not-add-up"),
        pytest.param(
            "0.00",
            (PayableItemDTO(description="Tea", quantity=0, unit_price=eur("1.00")),),
            "item 'Tea' has quantity 0; quantities are whole numbers from 1",
            id="zero-quantity",
        ),
        pytest.param(
            "1.00",
            (PayableItemDTO(description="Tea", quantity=1, unit_price=Money(amount=Decimal("1.00"), currency="CHF")),),
            "item 'Tea' is not in EUR",
            id="other-currency",
        ),
    ],
)
def test_a_payment_that_does_not_add_up_is_refused(
    unchanged_database: Unchanged, amount: str, items: tuple[PayableItemDTO, ...], reason: str
) -> None:
    with unchanged_database(), pytest.raises(PaymentRequestInvalidError) as raised:
        request(amount=amount, items=items)

    assert raised.value.params["reason"] == reason


def test_an_approved_charge_captures_the_payment_and_pays_the_invoice() -> None:
    payment = request()

    services.charge(payment_id=payment.id, attempt=1, last_attempt=False)

    charged = billing.get_payment_for_order(order_id=payment.order_id)
    assert charged is not None
    assert (charged.status, charged.attempts, charged.invoice.status) == (PaymentStatus.CAPTURED, 1, InvoiceStatus.PAID)
    assert events("billing.PaymentCaptured", payment) == [
        {
            "payment_id": str(payment.id),
            "order_id": str(payment.order_id),
            "customer_id": str(payment.customer_id),
            "amount": {"amount": "37.80", "currency": "EUR"},
            "invoice_number": payment.invoice.number,
        }
    ]


def test_a_declined_charge_declines_the_payment_and_voids_the_invoice() -> None:
    payment = request(token="tok_expiredCard")

    services.charge(payment_id=payment.id, attempt=1, last_attempt=False)

    charged = billing.get_payment_for_order(order_id=payment.order_id)
    assert charged is not None
    assert (charged.status, charged.failure_reason, charged.invoice.status) == (
        PaymentStatus.DECLINED,
        "the card has expired",
        InvoiceStatus.VOID,
    )
    assert [e["reason"] for e in events("billing.PaymentDeclined", payment)] == ["the card has expired"]


def test_a_provider_error_before_the_last_attempt_raises_so_the_bus_retries(unchanged_database: Unchanged) -> None:
    payment = request(token="tok_providerError")

    with unchanged_database(), pytest.raises(PaymentProviderError, match=PROVIDER_DOWN):
        services.charge(payment_id=payment.id, attempt=1, last_attempt=False)


def test_a_provider_error_on_the_last_attempt_fails_the_payment_instead() -> None:
    payment = request(token="tok_providerError")

    services.charge(payment_id=payment.id, attempt=5, last_attempt=True)

    charged = billing.get_payment_for_order(order_id=payment.order_id)
    assert charged is not None
    assert (charged.status, charged.attempts, charged.failure_reason, charged.invoice.status) == (
        PaymentStatus.FAILED,
        5,
        PROVIDER_DOWN,
        InvoiceStatus.VOID,
    )
    assert [(e["reason"], e["attempts"]) for e in events("billing.PaymentFailed", payment)] == [(PROVIDER_DOWN, 5)]


def test_a_payment_with_an_outcome_is_never_charged_again(unchanged_database: Unchanged) -> None:
    payment = request()
    services.charge(payment_id=payment.id, attempt=1, last_attempt=False)

    with unchanged_database():
        services.charge(payment_id=payment.id, attempt=2, last_attempt=True)


def test_a_charge_whose_answer_was_lost_is_answered_again_not_made_again() -> None:
    payment = request()  # the charge runs after commit, which this test never does: it drives it
    key = services.provider_key(payment.order_id)
    first = payment_provider().charge(idempotency_key=key, amount=payment.amount, token="tok_visa")  # then died

    services.charge(payment_id=payment.id, attempt=2, last_attempt=False)
    services.charge(payment_id=payment.id, attempt=3, last_attempt=False)  # a duplicate delivery

    found = billing.get_payment_for_order(order_id=payment.order_id)
    assert found is not None
    assert (found.status, found.attempts) == (PaymentStatus.CAPTURED, 2)
    calls = payment_provider().calls(key)  # type: ignore[attr-defined]
    assert [(call.outcome, call.reference) for call in calls] == [
        (CallOutcome.APPROVED, first.reference),
        (CallOutcome.REPLAYED, first.reference),
    ]
    assert len(events("billing.PaymentCaptured", payment)) == 1
