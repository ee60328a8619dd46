"""The shop's flows through HTTP alone, once per placement of the domains (tests/blackbox/deployments.py).

Register, browse, fill the cart, check out (confirmed), a declined payment (cancelled, and
the reserved stock released again: the compensation), the notifications of both, and a
staff price change. Each test talks to the monolith's base URL only; where a domain runs
is invisible to it, which is the point.
"""

from __future__ import annotations

import uuid

import pytest

from tests.blackbox.deployments import Deployment
from tests.blackbox.shop import eventually, new_product, register, settled_order, staff

pytestmark = [pytest.mark.processes, pytest.mark.postgres, pytest.mark.xdist_group("blackbox")]


def test_a_customer_registers_browses_fills_the_cart_and_buys(deployment: Deployment) -> None:
    url = deployment.url
    sencha = f"Black-box Sencha {uuid.uuid4().hex[:8]}"  # every placement adds its own to the one shop
    tea = new_product(staff(url), name=sencha, price="9.90", on_hand=5)
    mug = new_product(staff(url), name="Black-box Mug", price="18.00", on_hand=2)
    ada = register(url, full_name="Ada Lovelace")

    found = ada.get("/api/catalog/products/", params={"search": sencha})["results"]
    assert [product["id"] for product in found] == [tea["id"]]
    assert ada.get(f"/api/catalog/products/{tea['id']}/")["available"] == 5
    ada.post("/api/cart/items/", {"product_id": tea["id"], "quantity": 3}, expect=201)
    ada.post("/api/cart/items/", {"product_id": mug["id"], "quantity": 1}, expect=201)
    in_cart = ada.get("/api/cart/")
    assert [(line["product_id"], line["quantity"]) for line in in_cart["lines"]] == [(tea["id"], 3), (mug["id"], 1)]
    assert in_cart["subtotals"] == [{"amount": "47.70", "currency": "EUR"}]

    placed = ada.post("/api/orders/checkout/", {"payment_token": "tok_visa"}, expect=201)
    order = settled_order(ada, placed["id"])

    assert (order["status"], order["total"]) == ("confirmed", {"amount": "47.70", "currency": "EUR"})
    assert [entry["status"] for entry in order["history"]] == ["pending_payment", "confirmed"]
    assert (
        eventually(
            lambda: ada.get(f"/api/catalog/products/{tea['id']}/"),
            until=lambda p: p["available"] == 2,
            what="stock sold",
        )["available"]
        == 2
    )
    assert eventually(lambda: ada.get("/api/cart/"), until=lambda c: not c["lines"], what="cart emptied") == {
        "lines": [],
        "subtotals": [],
        "item_count": 0,
    }
    (payment,) = ada.get("/api/billing/payments/")["results"]
    assert (payment["order_id"], payment["status"], payment["invoice"]["status"]) == (order["id"], "captured", "paid")
    notes = eventually(lambda: ada.get("/api/notifications/")["results"], until=bool, what="the confirmation")
    assert [(n["kind"], n["recipient"], n["order_id"]) for n in notes] == [("order_confirmed", ada.email, order["id"])]
    assert [o["id"] for o in ada.get("/api/orders/")["results"]] == [order["id"]]


def test_a_declined_payment_cancels_the_order_releases_the_stock_and_tells_the_customer(
    deployment: Deployment,
) -> None:
    url = deployment.url
    tea = new_product(staff(url), name="Black-box Oolong", price="12.00", on_hand=4)
    grace = register(url, full_name="Grace Hopper")
    grace.post("/api/cart/items/", {"product_id": tea["id"], "quantity": 3}, expect=201)

    placed = grace.post("/api/orders/checkout/", {"payment_token": "tok_chargeDeclined"}, expect=201)
    order = settled_order(grace, placed["id"])

    assert (order["status"], order["cancellation_reason"]) == ("cancelled", "payment_declined")
    assert [entry["status"] for entry in order["history"]] == ["pending_payment", "cancelled"]
    released = eventually(
        lambda: grace.get(f"/api/catalog/products/{tea['id']}/"),
        until=lambda product: product["available"] == 4,
        what="the reserved units released (the compensation)",
    )
    assert released["available"] == 4
    (payment,) = grace.get("/api/billing/payments/")["results"]
    assert (payment["order_id"], payment["status"]) == (order["id"], "declined")
    notes = eventually(lambda: grace.get("/api/notifications/")["results"], until=bool, what="the cancellation")
    assert [(n["kind"], n["order_id"]) for n in notes] == [("order_cancelled", order["id"])]
    assert [(line["product_id"], line["quantity"]) for line in grace.get("/api/cart/")["lines"]] == [(tea["id"], 3)]


def test_staff_change_a_price_and_customers_pay_the_new_one(deployment: Deployment) -> None:
    url = deployment.url
    staff_member = staff(url)
    kettle = new_product(staff_member, name="Black-box Kettle", price="40.00", on_hand=3)
    linus = register(url, full_name="Linus Pauling")

    changed = staff_member.put(f"/api/catalog/products/{kettle['id']}/price/", {"amount": "35.50", "currency": "EUR"})
    linus.put(f"/api/catalog/products/{kettle['id']}/price/", {"amount": "1.00", "currency": "EUR"}, expect=403)
    linus.post("/api/cart/items/", {"product_id": kettle["id"], "quantity": 1}, expect=201)
    placed = linus.post("/api/orders/checkout/", {"payment_token": "tok_visa"}, expect=201)
    order = settled_order(linus, placed["id"])

    assert changed["price"] == {"amount": "35.50", "currency": "EUR"}
    assert linus.get(f"/api/catalog/products/{kettle['id']}/")["price"] == {"amount": "35.50", "currency": "EUR"}
    assert (order["status"], order["total"]) == ("confirmed", {"amount": "35.50", "currency": "EUR"})
    assert order["id"] in [o["id"] for o in staff_member.get("/api/orders/all/")["results"]]
