"""Checkout over HTTP: the order is placed at the catalog's prices with stock reserved, or
refused with a reason the customer can act on, leaving nothing behind.

Catalog and cart are fakes of their recorded contracts (conftest.py). The saga's later steps
(payment, confirmation) run after commit; they are covered in test_saga.py and, across all
domains, in tests/flows/.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

import pytest
from django.db import OperationalError
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from domains.catalog.interface import ProductDTO, StockLineDTO
from domains.orders.http.serializers import PAYMENT_TOKEN_INVALID
from domains.orders.http.views import CHECKOUT_DESCRIPTION
from domains.orders.interface import orders
from domains.orders.models import Checkout, CheckoutStatus, Order
from domains.orders.tests.conftest import Shop
from shared.auth.principal import Principal
from shared.bus.models import StoredEvent
from shared.contracts import Fakes
from shared.db import atomic, connection_for, database_for
from shared.money import Money

pytestmark = pytest.mark.django_db

CHECKOUT = "/api/orders/checkout/"
VISA = {"payment_token": "tok_visa"}
Unchanged = Callable[[], AbstractContextManager[None]]


def test_checkout_places_the_order_at_the_catalogs_prices_and_reserves_the_stock(
    customer_client: APIClient, customer: Principal, fakes: Fakes, shop: Shop, tea: ProductDTO, mug: ProductDTO
) -> None:
    shop.fill_cart(customer.id, (tea, 2), (mug, 1))

    response = customer_client.post(CHECKOUT, VISA, format="json")

    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/orders/{body['id']}/"
    assert (body["customer_id"], body["status"], body["total"]) == (
        str(customer.id),
        "pending_payment",  # the saga moves on once this request's transaction commits
        {"amount": "37.80", "currency": "EUR"},
    )
    assert [
        (line["sku"], line["unit_price"]["amount"], line["quantity"], line["line_total"]["amount"])
        for line in body["lines"]
    ] == [
        (tea.sku, "9.90", 2, "19.80"),
        (mug.sku, "18.00", 1, "18.00"),
    ]
    assert fakes.catalog.reserve_stock.calls == [
        {
            "order_id": uuid.UUID(body["id"]),
            "lines": (StockLineDTO(product_id=tea.id, quantity=2), StockLineDTO(product_id=mug.id, quantity=1)),
        }
    ]


def test_prices_come_from_the_catalog_at_checkout_never_from_the_client(
    customer_client: APIClient, customer: Principal, shop: Shop, tea: ProductDTO
) -> None:
    shop.fill_cart(customer.id, (tea, 1))
    shop.change(tea, price=Money(amount=Decimal("12.00"), currency="EUR"))  # repriced after it was added

    response = customer_client.post(CHECKOUT, VISA, format="json")

    assert response.status_code == 201
    assert response.json()["total"] == {"amount": "12.00", "currency": "EUR"}
    assert response.json()["lines"][0]["unit_price"] == {"amount": "12.00", "currency": "EUR"}


def test_a_client_that_sends_its_own_prices_is_refused_and_no_order_is_placed(
    customer_client: APIClient, customer: Principal, unchanged_database: Unchanged, shop: Shop, tea: ProductDTO
) -> None:
    shop.fill_cart(customer.id, (tea, 1))

    with unchanged_database():
        response = customer_client.post(
            CHECKOUT,
            {**VISA, "total": {"amount": "0.01", "currency": "EUR"}, "lines": [{"unit_price": "0.01"}]},
            format="json",
        )

    assert response.status_code == 400
    assert sorted(response.json()["field_errors"]) == ["lines", "total"]


def test_no_second_order_while_the_first_waits_for_its_payment(
    customer_client: APIClient, customer: Principal, unchanged_database: Unchanged, shop: Shop, tea: ProductDTO
) -> None:
    shop.fill_cart(customer.id, (tea, 1))
    first = customer_client.post(CHECKOUT, VISA, format="json").json()  # the saga runs after commit: pending
    shop.fill_cart(customer.id, (tea, 1))  # another cart: not the same intent

    with unchanged_database():
        second = customer_client.post(CHECKOUT, VISA, format="json")

    assert second.status_code == 409
    assert (second.json()["code"], second.json()["params"]) == (
        "orders.checkout_in_progress",
        {"order_id": first["id"]},
    )


def test_an_empty_cart_cannot_be_checked_out(
    customer_client: APIClient, customer: Principal, unchanged_database: Unchanged
) -> None:
    with unchanged_database():
        response = customer_client.post(CHECKOUT, VISA, format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["params"]) == (
        "orders.cart_empty",
        {"customer_id": str(customer.id)},
    )


def test_checkout_short_of_stock_is_refused_with_409_naming_the_product_and_nothing_is_held(
    customer_client: APIClient,
    customer: Principal,
    unchanged_database: Unchanged,
    shop: Shop,
    tea: ProductDTO,
    mug: ProductDTO,
) -> None:
    shop.fill_cart(customer.id, (tea, 2), (mug, 5))

    with unchanged_database():
        response = customer_client.post(CHECKOUT, VISA, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "orders.product_out_of_stock"
    assert response.json()["params"] == {"product_id": str(mug.id), "sku": mug.sku, "requested": 5, "available": 3}
    assert f"product {mug.id} ({mug.sku}) has only 3 in stock" in response.json()["detail"]
    assert (shop.products[tea.id].available, shop.products[mug.id].available, shop.reservations) == (20, 3, {})


def test_checkout_with_a_discontinued_product_is_refused_with_409_naming_it(
    customer_client: APIClient,
    customer: Principal,
    unchanged_database: Unchanged,
    fakes: Fakes,
    shop: Shop,
    tea: ProductDTO,
    mug: ProductDTO,
) -> None:
    shop.fill_cart(customer.id, (tea, 1), (mug, 1))
    shop.change(mug, is_active=False)

    with unchanged_database():
        response = customer_client.post(CHECKOUT, VISA, format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["params"]) == (
        "orders.product_unavailable",
        {"product_id": str(mug.id)},
    )
    assert fakes.catalog.reserve_stock.calls == []  # refused before anything was held


def test_a_cart_priced_in_two_currencies_is_refused(
    customer_client: APIClient, customer: Principal, unchanged_database: Unchanged, shop: Shop, tea: ProductDTO
) -> None:
    franc_tea = shop.stock(name="Tee, 100 g", price="11.00", currency="CHF")
    shop.fill_cart(customer.id, (tea, 1), (franc_tea, 1))

    with unchanged_database():
        response = customer_client.post(CHECKOUT, VISA, format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["params"]) == (
        "orders.cart_currencies_differ",
        {"currencies": ["CHF", "EUR"]},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({}, "This field is required.", id="missing"),
        pytest.param({"payment_token": ""}, "This field may not be blank.", id="blank"),
        pytest.param({"payment_token": None}, "This field may not be null.", id="null"),
        pytest.param({"payment_token": 4242}, PAYMENT_TOKEN_INVALID, id="a-number"),
        pytest.param({"payment_token": True}, PAYMENT_TOKEN_INVALID, id="a-boolean"),
        pytest.param({"payment_token": "4242 4242 4242 4242"}, PAYMENT_TOKEN_INVALID, id="a-card-number"),
        pytest.param({"payment_token": "tok_"}, PAYMENT_TOKEN_INVALID, id="prefix-only"),
        pytest.param({"payment_token": "tok_visa; DROP"}, PAYMENT_TOKEN_INVALID, id="odd-characters"),
        pytest.param({"payment_token": "tok_" + "x" * 61}, PAYMENT_TOKEN_INVALID, id="too-long"),
        pytest.param({"payment_token": {"id": "tok_visa"}}, PAYMENT_TOKEN_INVALID, id="an-object"),
    ],
)
def test_checkout_with_an_invalid_payment_token_is_refused_and_changes_nothing(
    customer_client: APIClient,
    customer: Principal,
    unchanged_database: Unchanged,
    shop: Shop,
    tea: ProductDTO,
    body: dict[str, Any],
    message: str,
) -> None:
    shop.fill_cart(customer.id, (tea, 1))

    with unchanged_database():
        response = customer_client.post(CHECKOUT, body, format="json")

    assert response.status_code == 400
    assert response.json()["field_errors"] == {"payment_token": [message]}


def test_checkout_needs_a_signed_in_customer(anonymous_client: APIClient, unchanged_database: Unchanged) -> None:
    with unchanged_database():
        response = anonymous_client.post(CHECKOUT, VISA, format="json")

    assert response.status_code in {401, 403}
    assert response.json()["code"] == "auth.not_authenticated"


@pytest.mark.postgres
def test_when_storing_the_order_fails_after_reserving_the_checkout_is_abandoned_with_its_release_event(
    customer: Principal, fakes: Fakes, shop: Shop, tea: ProductDTO
) -> None:
    """Compensation, recorded with the decision. Another session holds the orders table against
    writes (reads still pass) and this one gives up waiting (lock_timeout): a real failure
    between reserving and storing. The checkout is abandoned and orders.CheckoutAbandoned
    stored in that same transaction, so the catalog releases the stock when it is delivered
    (catalog's tests and tests/flows show the release), even if this process died next."""
    shop.fill_cart(customer.id, (tea, 3))
    locked, release = threading.Event(), threading.Event()

    def hold_the_orders_table() -> None:
        try:
            with atomic("orders"):
                connection_for("orders").cursor().execute(f"LOCK TABLE {Order._meta.db_table} IN SHARE MODE")
                locked.set()
                release.wait(timeout=30)
        finally:
            connection_for("orders").close()

    holder = threading.Thread(target=hold_the_orders_table)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        connection_for("orders").cursor().execute("SET LOCAL lock_timeout = '200ms'")
        with pytest.raises(OperationalError, match="lock timeout"):
            orders.place_order(customer_id=customer.id, payment_token="tok_visa")
    finally:
        release.set()
        holder.join(timeout=30)

    ((reserved,),) = (fakes.catalog.reserve_stock.calls,)
    abandoned = Checkout.objects.get(customer_id=customer.id)
    assert (abandoned.order_id, abandoned.status) == (reserved["order_id"], CheckoutStatus.ABANDONED)
    assert list(
        StoredEvent.objects.using(database_for("orders"))
        .filter(key=str(abandoned.order_id))
        .values_list("name", "payload")
    ) == [("orders.CheckoutAbandoned", {"order_id": str(abandoned.order_id), "customer_id": str(customer.id)})]
    assert fakes.catalog.release_reservation.calls == []  # not an in-request call that could fail too
    assert Order.objects.count() == 0


def test_the_schema_says_checkout_answers_201_or_200_with_the_order_and_does_not_wait_for_the_payment() -> None:
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"][CHECKOUT]["post"]

    order = {"$ref": "#/components/schemas/OrderOutput"}
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == order
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == order
    assert operation["description"] == CHECKOUT_DESCRIPTION
    assert "never waits for the payment" in CHECKOUT_DESCRIPTION
