"""The cart over HTTP: the signed-in customer's own cart, priced by the catalog, validated strictly."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from domains.cart.interface import MAX_LINES, MAX_QUANTITY, cart
from domains.cart.tests.conftest import Shelf
from domains.catalog.interface import ProductDTO
from shared.api.serializers import NOT_AN_INTEGER
from shared.auth.principal import Principal
from shared.contracts import Fakes
from shared.errors import ServiceUnavailableError
from shared.money import Money

pytestmark = pytest.mark.django_db

CART, ITEMS = "/api/cart/", "/api/cart/items/"
Unchanged = Callable[[], AbstractContextManager[None]]


def quantities(customer: Principal) -> dict[uuid.UUID, int]:
    return {line.product_id: line.quantity for line in cart.get_cart(customer_id=customer.id).lines}


def test_adding_a_product_answers_with_the_cart_priced_by_the_catalog(
    customer_client: APIClient, customer: Principal, fakes: Fakes, tea: ProductDTO
) -> None:
    response = customer_client.post(ITEMS, {"product_id": str(tea.id), "quantity": 2}, format="json")

    assert response.status_code == 201
    assert response.json() == {
        "lines": [
            {
                "product_id": str(tea.id),
                "quantity": 2,
                "sku": tea.sku,
                "name": "Sencha Uji, 100 g",
                "unit_price": {"amount": "9.90", "currency": "EUR"},
                "line_total": {"amount": "19.80", "currency": "EUR"},
                "for_sale": True,
                "available": 20,
            }
        ],
        "subtotals": [{"amount": "19.80", "currency": "EUR"}],
        "item_count": 2,
    }
    assert quantities(customer) == {tea.id: 2}
    assert fakes.catalog.get_product.calls == [{"product_id": tea.id}]  # for sale? asked before adding
    assert fakes.catalog.get_products.calls == [{"product_ids": (tea.id,)}]  # priced in one call


def test_adding_a_product_again_adds_to_its_line(
    customer_client: APIClient, customer: Principal, tea: ProductDTO, mug: ProductDTO
) -> None:
    for product, quantity in ((tea, 2), (mug, 1), (tea, 3)):
        customer_client.post(ITEMS, {"product_id": str(product.id), "quantity": quantity}, format="json")

    response = customer_client.get(CART)

    assert [(line["name"], line["quantity"]) for line in response.json()["lines"]] == [
        ("Sencha Uji, 100 g", 5),
        ("Stoneware mug, 350 ml", 1),
    ]
    assert response.json()["subtotals"] == [{"amount": "67.50", "currency": "EUR"}]


def test_the_cart_shows_todays_price_not_the_price_when_it_was_added(
    customer_client: APIClient, shelf: Shelf, tea: ProductDTO
) -> None:
    customer_client.post(ITEMS, {"product_id": str(tea.id), "quantity": 1}, format="json")
    shelf.change(tea, price=Money(amount=Decimal("11.00"), currency="EUR"))

    response = customer_client.get(CART)

    assert response.json()["lines"][0]["unit_price"] == {"amount": "11.00", "currency": "EUR"}


def test_a_discontinued_product_stays_in_the_cart_marked_not_for_sale(
    customer_client: APIClient, shelf: Shelf, tea: ProductDTO, mug: ProductDTO
) -> None:
    for product in (tea, mug):
        customer_client.post(ITEMS, {"product_id": str(product.id), "quantity": 1}, format="json")
    shelf.change(mug, is_active=False)

    response = customer_client.get(CART)

    assert [(line["name"], line["for_sale"], line["unit_price"]) for line in response.json()["lines"]] == [
        ("Sencha Uji, 100 g", True, {"amount": "9.90", "currency": "EUR"}),
        ("Stoneware mug, 350 ml", False, None),
    ]
    assert response.json()["subtotals"] == [{"amount": "9.90", "currency": "EUR"}]


def test_changing_a_quantity_sets_it(customer_client: APIClient, customer: Principal, tea: ProductDTO) -> None:
    customer_client.post(ITEMS, {"product_id": str(tea.id), "quantity": 2}, format="json")

    response = customer_client.patch(f"{ITEMS}{tea.id}/", {"quantity": 7}, format="json")

    assert response.status_code == 200
    assert response.json()["item_count"] == 7
    assert quantities(customer) == {tea.id: 7}


def test_removing_a_product_and_emptying_the_cart(
    customer_client: APIClient, customer: Principal, tea: ProductDTO, mug: ProductDTO
) -> None:
    for product in (tea, mug):
        customer_client.post(ITEMS, {"product_id": str(product.id), "quantity": 1}, format="json")

    removed = customer_client.delete(f"{ITEMS}{tea.id}/")
    assert (removed.status_code, quantities(customer)) == (200, {mug.id: 1})

    emptied = customer_client.delete(CART)
    assert (emptied.status_code, emptied.json()) == (200, {"lines": [], "subtotals": [], "item_count": 0})
    assert quantities(customer) == {}


def test_each_customer_sees_only_their_own_cart(
    customer_client: APIClient, another_customer_client: APIClient, tea: ProductDTO
) -> None:
    customer_client.post(ITEMS, {"product_id": str(tea.id), "quantity": 1}, format="json")

    response = another_customer_client.get(CART)

    assert response.json() == {"lines": [], "subtotals": [], "item_count": 0}


@pytest.mark.parametrize(
    ("body", "field_errors"),
    [
        pytest.param({"quantity": 1}, {"product_id": ["This field is required."]}, id="no-product"),
        pytest.param(
            {"product_id": "sencha", "quantity": 1}, {"product_id": ["Must be a valid UUID."]}, id="product-not-an-id"
        ),
        pytest.param(
            {"product_id": 42, "quantity": 1}, {"product_id": ["Must be a valid UUID."]}, id="product-a-number"
        ),
        pytest.param({"product_id": "{tea}"}, {"quantity": ["This field is required."]}, id="no-quantity"),
        pytest.param(
            {"product_id": "{tea}", "quantity": 0},
            {"quantity": ["Ensure this value is greater than or equal to 1."]},
            id="zero",
        ),
        pytest.param(
            {"product_id": "{tea}", "quantity": -3},
            {"quantity": ["Ensure this value is greater than or equal to 1."]},
            id="negative",
        ),
        pytest.param(
            {"product_id": "{tea}", "quantity": MAX_QUANTITY + 1},
            {"quantity": [f"Ensure this value is less than or equal to {MAX_QUANTITY}."]},
            id="above-the-maximum",
        ),
        pytest.param(
            {"product_id": "{tea}", "quantity": 10**30},
            {"quantity": [f"Ensure this value is less than or equal to {MAX_QUANTITY}."]},
            id="huge",
        ),
        pytest.param({"product_id": "{tea}", "quantity": 1.5}, {"quantity": [NOT_AN_INTEGER]}, id="fraction"),
        pytest.param({"product_id": "{tea}", "quantity": "two"}, {"quantity": [NOT_AN_INTEGER]}, id="words"),
        pytest.param({"product_id": "{tea}", "quantity": True}, {"quantity": [NOT_AN_INTEGER]}, id="boolean"),
        pytest.param(
            {"product_id": "{tea}", "quantity": None}, {"quantity": ["This field may not be null."]}, id="null"
        ),
        pytest.param({"product_id": "{tea}", "quantity": [1]}, {"quantity": [NOT_AN_INTEGER]}, id="list"),
    ],
)
def test_adding_with_invalid_fields_is_refused_and_changes_nothing(
    customer_client: APIClient,
    unchanged_database: Unchanged,
    tea: ProductDTO,
    body: dict[str, Any],
    field_errors: dict[str, list[str]],
) -> None:
    body = {key: value.format(tea=tea.id) if isinstance(value, str) else value for key, value in body.items()}

    with unchanged_database():
        response = customer_client.post(ITEMS, body, format="json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field_errors"]) == ("request.invalid", field_errors)


@pytest.mark.parametrize("product", ["unknown", "discontinued"])
def test_adding_a_product_that_is_not_for_sale_is_404_and_changes_nothing(
    customer_client: APIClient, unchanged_database: Unchanged, shelf: Shelf, tea: ProductDTO, product: str
) -> None:
    product_id = uuid.uuid4() if product == "unknown" else tea.id
    shelf.change(tea, is_active=False)

    with unchanged_database():
        response = customer_client.post(ITEMS, {"product_id": str(product_id), "quantity": 1}, format="json")

    assert response.status_code == 404
    assert (response.json()["code"], response.json()["params"]) == (
        "cart.product_unavailable",
        {"product_id": str(product_id)},
    )


def test_adding_beyond_the_most_one_line_may_hold_is_409_and_changes_nothing(
    customer_client: APIClient, customer: Principal, unchanged_database: Unchanged, tea: ProductDTO
) -> None:
    customer_client.post(ITEMS, {"product_id": str(tea.id), "quantity": MAX_QUANTITY - 2}, format="json")

    with unchanged_database():
        response = customer_client.post(ITEMS, {"product_id": str(tea.id), "quantity": 3}, format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["params"]) == (
        "cart.quantity_limit",
        {"product_id": str(tea.id), "in_cart": MAX_QUANTITY - 2, "adding": 3, "maximum": MAX_QUANTITY, "room": 2},
    )


def test_a_full_cart_takes_no_new_product(
    customer_client: APIClient, customer: Principal, unchanged_database: Unchanged, shelf: Shelf
) -> None:
    for _ in range(MAX_LINES):
        cart.add_item(customer_id=customer.id, product_id=shelf.stock().id, quantity=1)
    one_more = shelf.stock()

    with unchanged_database():
        response = customer_client.post(ITEMS, {"product_id": str(one_more.id), "quantity": 1}, format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["params"]) == ("cart.cart_full", {"maximum": MAX_LINES})


def test_adding_while_the_catalog_cannot_be_reached_is_503_and_changes_nothing(
    customer_client: APIClient, unchanged_database: Unchanged, fakes: Fakes, tea: ProductDTO
) -> None:
    down = ServiceUnavailableError(domain="catalog", operation="get_product", reason="no answer within 2 s")
    fakes.catalog.get_product.raises(down)

    with unchanged_database():
        response = customer_client.post(ITEMS, {"product_id": str(tea.id), "quantity": 1}, format="json")

    assert response.status_code == 503
    assert (response.json()["code"], response.json()["detail"]) == ("kernel.service_unavailable", str(down))


@pytest.mark.parametrize(
    ("body", "field_errors"),
    [
        pytest.param({}, {"quantity": ["This field is required."]}, id="missing"),
        pytest.param({"quantity": 0}, {"quantity": ["Ensure this value is greater than or equal to 1."]}, id="zero"),
        pytest.param(
            {"quantity": -1}, {"quantity": ["Ensure this value is greater than or equal to 1."]}, id="negative"
        ),
        pytest.param(
            {"quantity": 10**9},
            {"quantity": [f"Ensure this value is less than or equal to {MAX_QUANTITY}."]},
            id="huge",
        ),
        pytest.param({"quantity": "lots"}, {"quantity": [NOT_AN_INTEGER]}, id="words"),
    ],
)
def test_changing_to_an_invalid_quantity_is_refused_and_changes_nothing(
    customer_client: APIClient,
    unchanged_database: Unchanged,
    tea: ProductDTO,
    body: dict[str, Any],
    field_errors: dict[str, list[str]],
) -> None:
    customer_client.post(ITEMS, {"product_id": str(tea.id), "quantity": 2}, format="json")

    with unchanged_database():
        response = customer_client.patch(f"{ITEMS}{tea.id}/", body, format="json")

    assert response.status_code == 400
    assert response.json()["field_errors"] == field_errors


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_changing_a_product_that_is_not_in_the_cart_is_404_and_changes_nothing(
    customer_client: APIClient, unchanged_database: Unchanged, tea: ProductDTO, mug: ProductDTO, method: str
) -> None:
    customer_client.post(ITEMS, {"product_id": str(tea.id), "quantity": 2}, format="json")

    with unchanged_database():
        response = getattr(customer_client, method)(f"{ITEMS}{mug.id}/", {"quantity": 1}, format="json")

    assert response.status_code == 404
    assert (response.json()["code"], response.json()["params"]) == ("cart.item_not_found", {"product_id": str(mug.id)})


def test_an_item_path_that_is_not_a_product_id_is_404(customer_client: APIClient) -> None:
    response = customer_client.patch(f"{ITEMS}not-an-id/", {"quantity": 1}, format="json")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("get", CART, None, id="view"),
        pytest.param("delete", CART, None, id="empty"),
        pytest.param("post", ITEMS, {"product_id": "{tea}", "quantity": 1}, id="add"),
        pytest.param("patch", ITEMS + "{tea}/", {"quantity": 1}, id="change"),
        pytest.param("delete", ITEMS + "{tea}/", None, id="remove"),
    ],
)
def test_the_cart_needs_a_signed_in_customer(
    anonymous_client: APIClient,
    unchanged_database: Unchanged,
    tea: ProductDTO,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    body = {k: v.format(tea=tea.id) if isinstance(v, str) else v for k, v in (body or {}).items()} or None

    with unchanged_database():
        response = getattr(anonymous_client, method)(path.format(tea=tea.id), body, format="json")

    assert response.status_code in {401, 403}
    assert response.json()["code"] == "auth.not_authenticated"
