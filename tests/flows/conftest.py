"""A small shop for cross-domain flows: products with stock, and registered customers.

Flows run with real commits (transaction=True): the checkout saga runs after commit,
exactly as in production with in-process delivery. No flow counts on the saga having
finished when checkout answers: `settled` follows the order until it is confirmed or
cancelled, running the bus's sweep as `manage.py bus work` does beside a server.
"""

from __future__ import annotations

import io
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from domains.catalog.interface import ProductDTO, catalog
from domains.identity.interface import identity
from shared.auth.principal import CUSTOMER_SCOPE, Principal
from shared.money import Money
from tests.reliability.processes import wait_until

_skus = itertools.count(1)
PASSWORD = "a-long-passw0rd!"
FINAL_STATUSES = ("confirmed", "cancelled")
SETTLE_SECONDS = 30.0


def settled(client: Client, order_id: str, **headers: str) -> dict:
    """The order (with its history) once the saga has finished it, polled with a deadline."""

    def final() -> dict | None:
        call_command("bus", "work", "--once", stdout=io.StringIO())  # what `bus work` beside the server does
        order = client.get(f"/api/orders/{order_id}/", **headers).json()
        return order if order["status"] in FINAL_STATUSES else None

    return wait_until(final, timeout=SETTLE_SECONDS, what=f"order {order_id} to be confirmed or cancelled")


def make_product(*, name: str, price: str, on_hand: int) -> ProductDTO:
    product = catalog.create_product(
        sku=f"FLOW-{next(_skus):04d}", name=name, description="", price=Money(amount=Decimal(price), currency="EUR")
    )
    return catalog.set_stock(product_id=product.id, on_hand=on_hand)


@dataclass(frozen=True, slots=True, kw_only=True)
class Shopper:
    principal: Principal
    client: APIClient

    @property
    def id(self) -> uuid.UUID:
        return self.principal.id

    def add(self, product: ProductDTO, quantity: int) -> None:
        response = self.client.post(
            "/api/cart/items/", {"product_id": str(product.id), "quantity": quantity}, format="json"
        )
        assert response.status_code == 201, response.json()

    def checkout(self, token: str = "tok_visa") -> dict:
        response = self.client.post("/api/orders/checkout/", {"payment_token": token}, format="json")
        return {"status_code": response.status_code, **response.json()}

    def settled(self, order_id: str) -> dict:
        return settled(self.client, order_id)


def new_shopper(name: str = "Ann") -> Shopper:
    """A customer registered with identity, signed in as the gateway would sign them in."""
    user = identity.register_user(
        email=f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com", password=PASSWORD, full_name=name
    )
    principal = Principal(id=user.id, email=user.email, scopes=frozenset({CUSTOMER_SCOPE}))
    client = APIClient()
    client.force_authenticate(user=principal)
    return Shopper(principal=principal, client=client)


@pytest.fixture
def shopper() -> Shopper:
    return new_shopper()


@pytest.fixture
def make_shopper() -> Callable[[str], Shopper]:
    return new_shopper


@pytest.fixture
def tea() -> ProductDTO:
    return make_product(name="Sencha Uji, 100 g", price="9.90", on_hand=10)


@pytest.fixture
def teapot() -> ProductDTO:
    return make_product(name="Cast-iron teapot, 800 ml", price="54.00", on_hand=1)
