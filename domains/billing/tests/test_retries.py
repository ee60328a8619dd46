"""A failing provider is retried through the bus with backoff; on the last attempt the payment fails.

Real bus, real deliveries: each `bus work` sweep is one more attempt (backoff set to zero
so no test waits).
"""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings

from domains.billing import services
from domains.billing.interface import PayableItemDTO, PaymentDTO, PaymentStatus, billing
from domains.billing.providers import CallOutcome, payment_provider
from shared.bus.models import Delivery, DeliveryStatus
from shared.db import database_for
from shared.money import Money

pytestmark = [pytest.mark.django_db(transaction=True)]

PRICE = Money(amount=Decimal("9.90"), currency="EUR")
MAX_ATTEMPTS = 3


def request(token: str) -> PaymentDTO:
    return billing.request_payment(
        order_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        amount=PRICE,
        payment_token=token,
        items=(PayableItemDTO(description="Tea", quantity=1, unit_price=PRICE),),
    )


def charge_delivery(payment: PaymentDTO) -> Delivery:
    return Delivery.objects.using(database_for("billing")).get(
        subscriber="billing.charge_requested_payment", event__key=str(payment.order_id)
    )


def status_of(payment: PaymentDTO) -> PaymentStatus:
    found = billing.get_payment_for_order(order_id=payment.order_id)
    assert found is not None
    return found.status


@override_settings(BUS_MAX_ATTEMPTS=MAX_ATTEMPTS, BUS_RETRY_BASE_SECONDS=0)
def test_a_provider_that_stays_down_is_retried_then_the_payment_fails() -> None:
    payment = request("tok_providerError")  # the first attempt runs right after commit, and fails
    assert (status_of(payment), charge_delivery(payment).status) == (PaymentStatus.PENDING, DeliveryStatus.FAILED)

    for _ in range(MAX_ATTEMPTS - 1):
        call_command("bus", "work", "--once", stdout=io.StringIO())

    found = billing.get_payment_for_order(order_id=payment.order_id)
    assert found is not None
    assert (found.status, found.attempts) == (PaymentStatus.FAILED, MAX_ATTEMPTS)
    delivery = charge_delivery(payment)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DONE, MAX_ATTEMPTS)


@override_settings(BUS_MAX_ATTEMPTS=MAX_ATTEMPTS, BUS_RETRY_BASE_SECONDS=0)
def test_a_provider_that_recovers_is_retried_and_the_payment_captured() -> None:
    payment = request("tok_providerErrorOnce")
    assert status_of(payment) == PaymentStatus.PENDING

    call_command("bus", "work", "--once", stdout=io.StringIO())

    found = billing.get_payment_for_order(order_id=payment.order_id)
    assert found is not None
    assert (found.status, found.attempts) == (PaymentStatus.CAPTURED, 2)
    calls = payment_provider().calls(services.provider_key(payment.order_id))  # type: ignore[attr-defined]
    assert [call.outcome for call in calls] == [CallOutcome.FAILED, CallOutcome.APPROVED]  # one retry, one charge
