"""Billing over HTTP: customers see their own payments and invoices; staff see any payment."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from domains.billing import services
from domains.billing.interface import PayableItemDTO, PaymentDTO, billing
from shared.auth.principal import Principal
from shared.money import Money

pytestmark = pytest.mark.django_db

PAYMENTS, INVOICES = "/api/billing/payments/", "/api/billing/invoices/"
PRICE = Money(amount=Decimal("9.90"), currency="EUR")


def paid(customer_id: uuid.UUID, token: str = "tok_visa") -> PaymentDTO:
    payment = billing.request_payment(
        order_id=uuid.uuid4(),
        customer_id=customer_id,
        amount=PRICE,
        payment_token=token,
        items=(PayableItemDTO(description="Sencha Uji, 100 g", quantity=1, unit_price=PRICE),),
    )
    services.charge(payment_id=payment.id, attempt=1, last_attempt=False)
    return payment


def test_a_customer_lists_their_own_payments_with_invoices(customer_client: APIClient, customer: Principal) -> None:
    declined, captured = paid(customer.id, "tok_chargeDeclined"), paid(customer.id)
    paid(uuid.uuid4())  # someone else's

    response = customer_client.get(PAYMENTS)

    assert response.status_code == 200
    assert [(p["id"], p["status"], p["invoice"]["status"]) for p in response.json()["results"]] == [
        (str(captured.id), "captured", "paid"),
        (str(declined.id), "declined", "void"),
    ]
    assert response.json()["results"][0]["invoice"]["lines"] == [
        {
            "description": "Sencha Uji, 100 g",
            "quantity": 1,
            "unit_price": {"amount": "9.90", "currency": "EUR"},
            "line_total": {"amount": "9.90", "currency": "EUR"},
        }
    ]


def test_a_customer_lists_their_own_invoices(customer_client: APIClient, customer: Principal) -> None:
    payment = paid(customer.id)
    paid(uuid.uuid4())

    response = customer_client.get(INVOICES)

    assert [(i["number"], i["status"], i["total"]) for i in response.json()["results"]] == [
        (payment.invoice.number, "paid", {"amount": "9.90", "currency": "EUR"})
    ]


def test_a_customer_sees_one_of_their_payments(customer_client: APIClient, customer: Principal) -> None:
    payment = paid(customer.id)

    response = customer_client.get(f"{PAYMENTS}{payment.id}/")

    assert (response.status_code, response.json()["order_id"], response.json()["attempts"]) == (
        200,
        str(payment.order_id),
        1,
    )


@pytest.mark.parametrize("payment", ["someone-elses", "unknown"])
def test_another_customers_payment_or_an_unknown_one_is_not_found(customer_client: APIClient, payment: str) -> None:
    payment_id = paid(uuid.uuid4()).id if payment == "someone-elses" else uuid.uuid4()

    response = customer_client.get(f"{PAYMENTS}{payment_id}/")

    assert response.status_code == 404
    assert (response.json()["code"], response.json()["params"]) == (
        "billing.payment_not_found",
        {"payment_id": str(payment_id)},
    )


def test_staff_see_any_payment(staff_client: APIClient) -> None:
    payment = paid(uuid.uuid4())

    response = staff_client.get(f"{PAYMENTS}{payment.id}/")

    assert response.status_code == 200


def test_a_payment_path_that_is_not_an_id_is_not_found(customer_client: APIClient) -> None:
    assert customer_client.get(f"{PAYMENTS}12/").status_code == 404


@pytest.mark.parametrize(
    "path", [PAYMENTS, INVOICES, f"{PAYMENTS}{uuid.uuid4()}/"], ids=["payments", "invoices", "payment"]
)
def test_billing_needs_a_signed_in_user(anonymous_client: APIClient, path: str) -> None:
    response = anonymous_client.get(path)

    assert response.status_code in {401, 403}
    assert response.json()["code"] == "auth.not_authenticated"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_payments_cannot_be_made_or_changed_over_the_api(customer_client: APIClient, method: str) -> None:
    response = getattr(customer_client, method)(PAYMENTS, {"order_id": str(uuid.uuid4())}, format="json")

    assert (response.status_code, response.json()["code"]) == (405, "request.method_not_allowed")
