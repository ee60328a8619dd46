"""Objects owned by one customer, for the OwnerOnly endpoints: one factory per URL name.

Each factory makes a real object of `owner`'s through the API, as the customer would (a
product from the catalog's interface is the only thing made behind the API), and returns
the URL arguments that name it and how the owner reads it back, so that the test can show
another customer's attempt changed nothing. A new OwnerOnly endpoint fails
`test_every_object_endpoint_has_an_owned_object_factory` until it has a factory here.

The tests that use them commit (transaction=True): the checkout saga runs after commit, and
a factory that needs its outcome (a payment) follows the order until it is settled.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.test import Client

from domains.catalog.interface import catalog
from shared.money import Money
from tests.flows.conftest import settled
from tests.security.callers import Caller

_skus = itertools.count(1)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class OwnedObject:
    url_kwargs: dict[str, Any]
    """The URL arguments that name the object."""
    read: Callable[[], Any]
    """The owner's view of it: the body of the owner's GET, which must answer 200."""
    bodies: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    """A valid body per method, so that only ownership stands between a stranger and the object."""


ObjectFactory = Callable[[Client, Caller], OwnedObject]


def api(client: Client, caller: Caller, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the API as `caller`; the JSON body of a 2xx answer (anything else fails the test)."""
    data = b"" if body is None else json.dumps(body).encode()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {caller.token}"}
    response = client.generic(method, path, data=data, content_type="application/json", **headers)
    assert 200 <= response.status_code < 300, (method, path, response.status_code, response.content)
    return response.json() if response.content else None


def reader(client: Client, caller: Caller, path: str) -> Callable[[], Any]:
    return lambda: api(client, caller, "GET", path)


def in_the_cart(client: Client, owner: Caller) -> str:
    """A product in stock, put in the owner's cart; its id."""
    price = Money(amount=Decimal("12.50"), currency="EUR")
    product = catalog.create_product(sku=f"OWNED-{next(_skus):04d}", name="Gyokuro, 50 g", description="", price=price)
    catalog.set_stock(product_id=product.id, on_hand=5)
    api(client, owner, "POST", "/api/cart/items/", {"product_id": str(product.id), "quantity": 2})
    return str(product.id)


def checked_out(client: Client, owner: Caller) -> dict[str, Any]:
    """The owner's order, paid: cart filled and checked out through the API."""
    in_the_cart(client, owner)
    return api(client, owner, "POST", "/api/orders/checkout/", {"payment_token": "tok_visa"})


def cart_line(client: Client, owner: Caller) -> OwnedObject:
    product_id = in_the_cart(client, owner)
    return OwnedObject(
        url_kwargs={"product_id": product_id},
        read=reader(client, owner, "/api/cart/"),
        bodies={"PATCH": {"quantity": 1}},
    )


def order(client: Client, owner: Caller) -> OwnedObject:
    order_id = checked_out(client, owner)["id"]
    return OwnedObject(url_kwargs={"order_id": order_id}, read=reader(client, owner, f"/api/orders/{order_id}/"))


def payment(client: Client, owner: Caller) -> OwnedObject:
    order_id = checked_out(client, owner)["id"]
    settled(client, order_id, HTTP_AUTHORIZATION=f"Bearer {owner.token}")  # the answer does not wait for billing
    [paid] = api(client, owner, "GET", "/api/billing/payments/")["results"]
    path = f"/api/billing/payments/{paid['id']}/"
    return OwnedObject(url_kwargs={"payment_id": paid["id"]}, read=reader(client, owner, path))


def notification(client: Client, owner: Caller) -> OwnedObject:
    checked_out(client, owner)
    latest = api(client, owner, "GET", "/api/notifications/")["results"][0]
    path = f"/api/notifications/{latest['id']}/"
    return OwnedObject(url_kwargs={"notification_id": latest["id"]}, read=reader(client, owner, path))


OBJECT_FACTORIES: dict[str, ObjectFactory] = {
    "cart:item-detail": cart_line,
    "orders:order-detail": order,
    "billing:payment-detail": payment,
    "notifications:notification-detail": notification,
}
