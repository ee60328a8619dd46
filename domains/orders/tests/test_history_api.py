"""Order history and detail: customers see their own orders, staff see every order."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from domains.catalog.interface import ProductDTO
from domains.orders import saga
from domains.orders.interface import OrderDTO, orders
from domains.orders.tests.conftest import Shop
from shared.auth.principal import Principal

pytestmark = pytest.mark.django_db

ORDERS, ALL = "/api/orders/", "/api/orders/all/"


@pytest.fixture
def place(shop: Shop) -> Callable[..., OrderDTO]:
    def place(customer_id: uuid.UUID, tea: ProductDTO, quantity: int = 1) -> OrderDTO:
        """A placed order, left waiting for its payment (the saga runs only after a real commit)."""
        shop.carts.pop(customer_id, None)  # checked out: only this order's lines are in the cart
        shop.fill_cart(customer_id, (tea, quantity))
        return orders.place_order(customer_id=customer_id, payment_token="tok_visa")

    return place


def settle(order: OrderDTO) -> None:
    """Let billing's answer arrive, so the customer may check out again."""
    saga.confirm(order_id=order.id, invoice_number="INV-00000001")


def ids(response: object) -> list[str]:
    return [order["id"] for order in response.json()["results"]]  # type: ignore[attr-defined]


def test_a_customer_lists_their_own_orders_newest_first(
    customer_client: APIClient, customer: Principal, place: Callable[..., OrderDTO], tea: ProductDTO
) -> None:
    first = place(customer.id, tea)
    settle(first)
    second = place(customer.id, tea, 2)
    place(uuid.uuid4(), tea)  # someone else's

    response = customer_client.get(ORDERS)

    assert response.status_code == 200
    assert (response.json()["count"], ids(response)) == (2, [str(second.id), str(first.id)])


def test_a_customer_filters_their_own_orders_by_status(
    customer_client: APIClient, customer: Principal, place: Callable[..., OrderDTO], tea: ProductDTO
) -> None:
    first = place(customer.id, tea)
    settle(first)
    second = place(customer.id, tea)
    place(uuid.uuid4(), tea)  # someone else's, pending too

    confirmed = customer_client.get(f"{ORDERS}?status=confirmed")
    pending = customer_client.get(f"{ORDERS}?status=pending_payment")

    assert (ids(confirmed), ids(pending)) == ([str(first.id)], [str(second.id)])


@pytest.mark.parametrize("path", [ORDERS, ALL], ids=["own-orders", "all-orders"])
def test_an_unknown_status_is_a_400_on_either_list(staff_client: APIClient, path: str) -> None:
    response = staff_client.get(f"{path}?status=zzz")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field_errors"]) == (
        "request.invalid",
        {"status": ['"zzz" is not a valid choice.']},
    )


def test_a_customer_sees_the_detail_and_history_of_their_order(
    customer_client: APIClient, customer: Principal, place: Callable[..., OrderDTO], tea: ProductDTO
) -> None:
    order = place(customer.id, tea, 3)

    response = customer_client.get(f"{ORDERS}{order.id}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["total"]) == (
        str(order.id),
        "pending_payment",
        {"amount": "29.70", "currency": "EUR"},
    )
    assert [(entry["status"], entry["note"]) for entry in body["history"]] == [
        ("pending_payment", "Placed: prices taken from the catalog, stock reserved, payment requested.")
    ]


@pytest.mark.parametrize("order", ["someone-elses", "unknown"])
def test_another_customers_order_or_an_unknown_one_is_not_found(
    customer_client: APIClient, place: Callable[..., OrderDTO], tea: ProductDTO, order: str
) -> None:
    order_id = place(uuid.uuid4(), tea).id if order == "someone-elses" else uuid.uuid4()

    response = customer_client.get(f"{ORDERS}{order_id}/")

    assert response.status_code == 404
    assert (response.json()["code"], response.json()["params"]) == (
        "orders.order_not_found",
        {"order_id": str(order_id)},
    )


def test_staff_see_every_order_and_can_filter_them(
    staff_client: APIClient, customer: Principal, place: Callable[..., OrderDTO], tea: ProductDTO
) -> None:
    mine, theirs = place(customer.id, tea), place(uuid.uuid4(), tea)

    everything = staff_client.get(ALL)
    by_customer = staff_client.get(f"{ALL}?customer_id={customer.id}")
    confirmed = staff_client.get(f"{ALL}?status=confirmed")
    detail = staff_client.get(f"{ORDERS}{theirs.id}/")

    assert ids(everything) == [str(theirs.id), str(mine.id)]
    assert ids(by_customer) == [str(mine.id)]
    assert ids(confirmed) == []
    assert detail.status_code == 200


@pytest.mark.parametrize(
    ("query", "field_errors"),
    [
        pytest.param("status=shipped", {"status": ['"shipped" is not a valid choice.']}, id="unknown-status"),
        pytest.param("customer_id=42", {"customer_id": ["Must be a valid UUID."]}, id="customer-not-an-id"),
    ],
)
def test_a_bad_filter_is_answered_with_400(staff_client: APIClient, query: str, field_errors: dict) -> None:
    response = staff_client.get(f"{ALL}?{query}")

    assert response.status_code == 400
    assert response.json()["field_errors"] == field_errors


def test_customers_may_not_list_every_order(customer_client: APIClient) -> None:
    response = customer_client.get(ALL)

    assert (response.status_code, response.json()["code"]) == (403, "auth.permission_denied")


@pytest.mark.parametrize("path", [ORDERS, ALL, f"{ORDERS}{uuid.uuid4()}/"], ids=["history", "all-orders", "detail"])
def test_orders_need_a_signed_in_user(anonymous_client: APIClient, path: str) -> None:
    response = anonymous_client.get(path)

    assert response.status_code in {401, 403}
    assert response.json()["code"] == "auth.not_authenticated"
