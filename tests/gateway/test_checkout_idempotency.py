"""Checkout honours Idempotency-Key: a customer who lost the answer retries and gets one order, one charge.

Everything over the API with real tokens; the saga (reservation, payment, confirmation)
runs after commit as in production, so these tests commit (transaction=True).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from domains.catalog.interface import ProductDTO, catalog
from shared.api.idempotency import IDEMPOTENCY_KEY_HEADER, KEY_REUSED, REPLAYED_HEADER
from shared.api.models import IdempotencyKey
from shared.db import database_aliases, database_for
from shared.money import Money
from tests.flows.conftest import settled
from tests.security.callers import Caller, registered_customer
from tests.security.objects import api

CHECKOUT = "/api/orders/checkout/"
TIMEOUT = 60


@pytest.fixture
def tea(transactional_db: None) -> ProductDTO:
    price = Money(amount=Decimal("9.90"), currency="EUR")
    product = catalog.create_product(sku="IDEM-TEA", name="Sencha, 100 g", description="", price=price)
    return catalog.set_stock(product_id=product.id, on_hand=10)


@pytest.fixture
def ann(client: Client, tea: ProductDTO) -> Caller:
    """A customer with two teas in her cart."""
    caller = registered_customer(client)
    api(client, caller, "POST", "/api/cart/items/", {"product_id": str(tea.id), "quantity": 2})
    return caller


def check_out(client: Client, caller: Caller, *, key: str, token: str = "tok_visa") -> Any:
    return client.post(
        CHECKOUT,
        data={"payment_token": token},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {caller.token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def shop_state(client: Client, caller: Caller, tea: ProductDTO) -> tuple[int, int, int]:
    """(orders, payments, units of tea still available), as the API and the catalog tell."""
    orders = api(client, caller, "GET", "/api/orders/")["count"]
    payments = api(client, caller, "GET", "/api/billing/payments/")["count"]
    return orders, payments, catalog.get_product(product_id=tea.id).available


def test_a_retried_checkout_returns_the_first_order_and_charges_once(
    client: Client, ann: Caller, tea: ProductDTO
) -> None:
    first = check_out(client, ann, key="checkout-1")
    retry = check_out(client, ann, key="checkout-1")

    assert first.status_code == 201
    assert (retry.status_code, retry.json(), retry["Location"]) == (201, first.json(), first["Location"])
    assert settled(client, first.json()["id"], HTTP_AUTHORIZATION=f"Bearer {ann.token}")["status"] == "confirmed"
    assert retry[REPLAYED_HEADER] == "true"
    assert shop_state(client, ann, tea) == (1, 1, 8)


def test_the_key_is_kept_in_the_database_of_orders_whose_view_was_called(client: Client, ann: Caller) -> None:
    first = check_out(client, ann, key="checkout-where")
    retry = check_out(client, ann, key="checkout-where")

    kept = {
        alias: list(IdempotencyKey.objects.using(alias).values_list("key", flat=True)) for alias in database_aliases()
    }
    assert kept == {
        alias: ["checkout-where"] if alias == database_for("orders") else [] for alias in database_aliases()
    }
    assert (first.status_code, retry.status_code, retry[REPLAYED_HEADER]) == (201, 201, "true")


def test_the_same_key_with_another_payment_token_is_422_and_buys_nothing_more(
    client: Client, ann: Caller, tea: ProductDTO
) -> None:
    check_out(client, ann, key="checkout-1")

    response = check_out(client, ann, key="checkout-1", token="tok_mastercard")

    assert response.status_code == 422
    assert response.json()["detail"] == KEY_REUSED.format(key="checkout-1", endpoint=f"POST {CHECKOUT}")
    assert shop_state(client, ann, tea) == (1, 1, 8)


def send(base_url: str, caller: Caller, *, key: str) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(
        f"{base_url}{CHECKOUT}",
        data=json.dumps({"payment_token": "tok_visa"}).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {caller.token}",
            IDEMPOTENCY_KEY_HEADER: key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@pytest.mark.postgres
def test_concurrent_checkouts_with_one_key_place_and_charge_exactly_one_order(
    live_server: Any, client: Client, ann: Caller, tea: ProductDTO
) -> None:
    attempts = 6
    barrier = threading.Barrier(attempts)

    def attempt() -> tuple[int, dict[str, str], Any]:
        barrier.wait(timeout=TIMEOUT)
        return send(live_server.url, ann, key="checkout-1")

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        results = list(pool.map(lambda _: attempt(), range(attempts)))

    placed = [body for status, headers, body in results if status == 201 and REPLAYED_HEADER not in headers]
    replayed = [body for status, headers, body in results if status == 201 and REPLAYED_HEADER in headers]
    in_flight = [body["code"] for status, _, body in results if status == 409]
    assert len(placed) == 1
    assert replayed == placed * len(replayed)
    assert in_flight == ["idempotency.request_in_flight"] * len(in_flight)
    assert len(placed) + len(replayed) + len(in_flight) == attempts
    assert shop_state(client, ann, tea) == (1, 1, 8)
