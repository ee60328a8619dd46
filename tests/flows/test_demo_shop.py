"""`manage.py load_demo_data` builds a shop one can shop in, and loading it twice adds nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from domains.catalog import demo as catalog_demo
from domains.identity import demo as identity_demo
from domains.identity.models import User
from shared.auth.principal import CUSTOMER_SCOPE, Principal
from shared.bus.models import StoredEvent
from shared.db import database_for
from tests.flows.conftest import settled

pytestmark = pytest.mark.django_db(transaction=True)

Unchanged = Callable[[], AbstractContextManager[None]]


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


def test_the_demo_shop_loads_once_and_the_demo_customer_can_buy_from_it(unchanged_database: Unchanged) -> None:
    first = load()
    with unchanged_database():
        second = load()

    assert first == second
    assert "curl -s -X POST http://127.0.0.1:8000/api/identity/token/" in first
    assert f"{len(catalog_demo.PRODUCTS)} products in {len(catalog_demo.CATEGORIES)} categories in the catalog" in first
    demo_customer = identity_demo.DEMO_ACCOUNTS[0]
    assert f"{demo_customer.email} / {identity_demo.DEMO_PASSWORD}" in first
    customer = User.objects.get(email=demo_customer.email)
    client = APIClient()
    client.force_authenticate(user=Principal(id=customer.id, email=customer.email, scopes=frozenset({CUSTOMER_SCOPE})))
    teapot = client.get("/api/catalog/products/?search=tetsubin").json()["results"][0]
    client.post("/api/cart/items/", {"product_id": teapot["id"], "quantity": 1}, format="json")

    answer = client.post("/api/orders/checkout/", {"payment_token": "tok_visa"}, format="json").json()
    order = settled(client, answer["id"])

    assert (order["status"], order["total"]) == ("confirmed", {"amount": "54.00", "currency": "EUR"})
    assert StoredEvent.objects.using(database_for("orders")).filter(name="orders.OrderConfirmed").count() == 1


def test_the_printed_token_request_names_where_the_shop_is_served() -> None:
    output = load("--base-url", "http://127.0.0.1:8765/")

    assert "curl -s -X POST http://127.0.0.1:8765/api/identity/token/ " in output
    assert '"email": "customer@example.com"' in output
