"""The shop end to end, over HTTP only: register, log in, browse and search, fill the cart,
change a quantity, check out; then the order is confirmed, the stock sold, the cart empty,
the payment captured with a paid invoice and the confirmation recorded. Staff see the order.

Every step is a request through the Django test client with the Bearer token identity
issued; nothing is read behind the API's back.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from domains.catalog import demo as catalog_demo
from domains.identity import demo as identity_demo
from tests.flows.conftest import settled

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-staple-42"


def log_in(email: str, password: str) -> APIClient:
    """A client carrying the access token identity issues for these credentials."""
    client = APIClient()
    answer = client.post("/api/identity/token/", {"email": email, "password": password}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["token_type"].lower() == "bearer"
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['access_token']}")
    return client


def register(email: str, full_name: str) -> None:
    answer = APIClient().post(
        "/api/identity/register/", {"email": email, "password": PASSWORD, "full_name": full_name}, format="json"
    )
    assert answer.status_code == 201, answer.json()


def test_a_new_customer_buys_tea_over_the_api_from_registration_to_confirmation() -> None:
    catalog_demo.load_demo_data()
    identity_demo.load_demo_data()
    register("grace@example.com", "Grace Hopper")
    grace = log_in("grace@example.com", PASSWORD)

    # Browse and search.
    categories = grace.get("/api/catalog/categories/").json()
    assert "green-tea" in [c["slug"] for c in categories]
    found = grace.get("/api/catalog/products/?search=sencha&category=green-tea").json()["results"]
    assert [p["name"] for p in found] == ["Sencha Uji, 100 g"]
    sencha = grace.get(f"/api/catalog/products/{found[0]['id']}/").json()
    mug = grace.get("/api/catalog/products/?search=stoneware+mug").json()["results"][0]
    kettle = grace.get("/api/catalog/products/?search=gooseneck").json()["results"][0]

    # Fill the cart, change a quantity, change her mind about the kettle.
    for product, quantity in ((sencha, 1), (mug, 1), (kettle, 1)):
        added = grace.post("/api/cart/items/", {"product_id": product["id"], "quantity": quantity}, format="json")
        assert added.status_code == 201
    assert grace.patch(f"/api/cart/items/{sencha['id']}/", {"quantity": 3}, format="json").status_code == 200
    assert grace.delete(f"/api/cart/items/{kettle['id']}/").status_code == 200
    in_cart = grace.get("/api/cart/").json()
    assert [(line["name"], line["quantity"]) for line in in_cart["lines"]] == [
        ("Sencha Uji, 100 g", 3),
        ("Stoneware mug, 350 ml", 1),
    ]
    assert in_cart["subtotals"] == [{"amount": "47.70", "currency": "EUR"}]  # 3 x 9.90 + 18.00

    # Check out.
    checkout = grace.post("/api/orders/checkout/", {"payment_token": "tok_visa"}, format="json")
    assert (checkout.status_code, checkout["Location"]) == (201, f"/api/orders/{checkout.json()['id']}/")
    order = settled(grace, checkout.json()["id"])  # the answer does not wait for the payment: follow the order
    assert (order["status"], order["total"]) == ("confirmed", {"amount": "47.70", "currency": "EUR"})
    assert [entry["status"] for entry in order["history"]] == ["pending_payment", "confirmed"]

    # Stock sold, cart empty, payment captured, invoice paid, confirmation recorded.
    assert grace.get(f"/api/catalog/products/{sencha['id']}/").json()["available"] == sencha["available"] - 3
    assert grace.get("/api/cart/").json() == {"lines": [], "subtotals": [], "item_count": 0}
    (payment,) = grace.get("/api/billing/payments/").json()["results"]
    assert (payment["order_id"], payment["status"], payment["invoice"]["status"]) == (order["id"], "captured", "paid")
    (confirmation,) = grace.get("/api/notifications/").json()["results"]
    assert (confirmation["kind"], confirmation["recipient"], confirmation["order_id"]) == (
        "order_confirmed",
        "grace@example.com",
        order["id"],
    )

    # Her history holds the order; staff see it among all orders.
    assert [o["id"] for o in grace.get("/api/orders/").json()["results"]] == [order["id"]]
    staff = log_in("staff@example.com", identity_demo.DEMO_PASSWORD)
    assert order["id"] in [o["id"] for o in staff.get("/api/orders/all/").json()["results"]]
    assert grace.get("/api/orders/all/").status_code == 403
