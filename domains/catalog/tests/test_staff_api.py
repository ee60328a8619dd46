"""Staff endpoints of the catalog: add products, set prices and stock, discontinue.

Every refusal leaves the database as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from rest_framework.test import APIClient

from domains.catalog.http.serializers import PRODUCT_SKU_INVALID
from domains.catalog.interface import MAX_STOCK, catalog
from domains.catalog.models import PriceHistory
from domains.catalog.tests.factories import line, make_category, make_product, stock_of
from shared.api.serializers import AMOUNT_NOT_TEXT, CURRENCY_INVALID, NOT_A_STRING, NOT_AN_INTEGER

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/catalog/products/"
Unchanged = Callable[[], AbstractContextManager[None]]


def new_product(**changes: Any) -> dict[str, Any]:
    return {
        "sku": "TEA-100",
        "name": "Gyokuro Yame, 50 g",
        "description": "Shade-grown and savoury.",
        "price": {"amount": "19.50", "currency": "EUR"},
        "on_hand": 12,
        **changes,
    }


def test_staff_add_a_product_with_its_category_and_stock(staff_client: APIClient) -> None:
    green = make_category()

    response = staff_client.post(PRODUCTS, new_product(category_id=str(green.id)), format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["sku"], body["name"], body["price"], body["available"], body["category"]["slug"]) == (
        "TEA-100",
        "Gyokuro Yame, 50 g",
        {"amount": "19.50", "currency": "EUR"},
        12,
        "green-tea",
    )
    assert catalog.get_product(product_id=uuid.UUID(body["id"])).available == 12


@pytest.mark.parametrize(
    ("changes", "field_errors"),
    [
        pytest.param({"sku": ""}, {"sku": ["This field may not be blank."]}, id="blank-sku"),
        pytest.param({"sku": "has space"}, {"sku": [PRODUCT_SKU_INVALID]}, id="sku-with-space"),
        pytest.param({"sku": "X" * 65}, {"sku": ["Ensure this field has no more than 64 characters."]}, id="long-sku"),
        pytest.param({"name": None}, {"name": ["This field may not be null."]}, id="null-name"),
        pytest.param({"name": ["a"]}, {"name": [NOT_A_STRING]}, id="name-not-a-string"),
        pytest.param(
            {"price": "12.50"},
            {"price.non_field_errors": ["Invalid data. Expected a dictionary, but got str."]},
            id="price-not-an-object",
        ),
        pytest.param(
            {"price": {"amount": "-1.00", "currency": "EUR"}},
            {"price.amount": ["Ensure this value is greater than or equal to 0."]},
            id="negative-price",
        ),
        pytest.param(
            {"price": {"amount": "1.005", "currency": "EUR"}},
            {"price.amount": ["Ensure that there are no more than 2 decimal places."]},
            id="price-with-fractions-of-a-cent",
        ),
        pytest.param(
            {"price": {"amount": "1000000.01", "currency": "EUR"}},
            {"price.amount": ["Ensure this value is less than or equal to 1000000.00."]},
            id="price-above-the-maximum",
        ),
        pytest.param(
            {"price": {"amount": "NaN", "currency": "EUR"}},
            {"price.amount": [AMOUNT_NOT_TEXT]},
            id="price-not-a-number",
        ),
        pytest.param(
            {"price": {"amount": "1.00", "currency": "eur"}},
            {"price.currency": [CURRENCY_INVALID]},
            id="currency-lowercase",
        ),
        pytest.param({"price": {"amount": "1.00"}}, {"price.currency": ["This field is required."]}, id="no-currency"),
        pytest.param(
            {"on_hand": -1}, {"on_hand": ["Ensure this value is greater than or equal to 0."]}, id="negative-stock"
        ),
        pytest.param(
            {"on_hand": MAX_STOCK + 1},
            {"on_hand": [f"Ensure this value is less than or equal to {MAX_STOCK}."]},
            id="stock-above-the-maximum",
        ),
        pytest.param({"on_hand": 2.5}, {"on_hand": [NOT_AN_INTEGER]}, id="fractional-stock"),
        pytest.param({"on_hand": True}, {"on_hand": [NOT_AN_INTEGER]}, id="boolean-stock"),
        pytest.param({"category_id": "green-tea"}, {"category_id": ["Must be a valid UUID."]}, id="category-not-an-id"),
    ],
)
def test_an_invalid_product_is_refused_with_field_errors_and_nothing_is_stored(
    staff_client: APIClient, unchanged_database: Unchanged, changes: dict[str, Any], field_errors: dict[str, list[str]]
) -> None:
    with unchanged_database():
        response = staff_client.post(PRODUCTS, new_product(**changes), format="json")

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field_errors"]) == ("request.invalid", field_errors)


def test_a_product_in_an_unknown_category_is_refused_with_404(
    staff_client: APIClient, unchanged_database: Unchanged
) -> None:
    ghost = uuid.uuid4()

    with unchanged_database():
        response = staff_client.post(PRODUCTS, new_product(category_id=str(ghost)), format="json")

    assert response.status_code == 404
    assert (response.json()["code"], response.json()["params"]) == (
        "catalog.category_not_found",
        {"category_id": str(ghost)},
    )


def test_a_second_product_with_the_same_sku_is_refused_with_409(
    staff_client: APIClient, unchanged_database: Unchanged
) -> None:
    make_product(sku="TEA-100")

    with unchanged_database():
        response = staff_client.post(PRODUCTS, new_product(sku="TEA-100"), format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["params"]) == ("catalog.sku_already_exists", {"sku": "TEA-100"})


def test_staff_change_a_price_and_the_change_is_recorded(staff_client: APIClient) -> None:
    tea = make_product(price="9.90")

    response = staff_client.put(f"{PRODUCTS}{tea.id}/price/", {"amount": "10.40", "currency": "EUR"}, format="json")

    assert response.status_code == 200
    assert response.json()["price"] == {"amount": "10.40", "currency": "EUR"}
    assert str(catalog.get_product(product_id=tea.id).price) == "10.40 EUR"


@pytest.mark.parametrize(
    ("body", "field_errors"),
    [
        pytest.param(
            {"amount": "-0.01", "currency": "EUR"},
            {"amount": ["Ensure this value is greater than or equal to 0."]},
            id="negative",
        ),
        pytest.param({"amount": "abc", "currency": "EUR"}, {"amount": [AMOUNT_NOT_TEXT]}, id="not-a-number"),
        pytest.param({"currency": "EUR"}, {"amount": ["This field is required."]}, id="no-amount"),
        pytest.param(
            {"amount": "1.00", "currency": "EURO"},
            {"currency": [CURRENCY_INVALID]},
            id="long-currency",
        ),
        pytest.param({"amount": "1.00", "currency": "QQQ"}, {"currency": [CURRENCY_INVALID]}, id="not-a-currency"),
        pytest.param({"amount": "1.00", "currency": "XAU"}, {"currency": [CURRENCY_INVALID]}, id="gold-is-not-money"),
        pytest.param({"amount": 1.5, "currency": "EUR"}, {"amount": [AMOUNT_NOT_TEXT]}, id="json-number"),
        pytest.param({"amount": "1e3", "currency": "EUR"}, {"amount": [AMOUNT_NOT_TEXT]}, id="exponent"),
        pytest.param({"amount": "\u0663", "currency": "EUR"}, {"amount": [AMOUNT_NOT_TEXT]}, id="arabic-indic-digit"),
    ],
)
def test_an_invalid_price_is_refused_and_the_old_price_stays(
    staff_client: APIClient, unchanged_database: Unchanged, body: dict[str, Any], field_errors: dict[str, list[str]]
) -> None:
    tea = make_product(price="9.90")

    with unchanged_database():
        response = staff_client.put(f"{PRODUCTS}{tea.id}/price/", body, format="json")

    assert response.status_code == 400
    assert response.json()["field_errors"] == field_errors


def test_staff_set_the_stock_on_hand(staff_client: APIClient) -> None:
    tea = make_product(on_hand=3)

    response = staff_client.put(f"{PRODUCTS}{tea.id}/stock/", {"on_hand": 40}, format="json")

    assert response.status_code == 200
    assert response.json()["available"] == 40
    assert stock_of(tea) == (40, 0)


@pytest.mark.parametrize(
    ("body", "field_errors"),
    [
        pytest.param({"on_hand": -5}, {"on_hand": ["Ensure this value is greater than or equal to 0."]}, id="negative"),
        pytest.param(
            {"on_hand": 10**12}, {"on_hand": [f"Ensure this value is less than or equal to {MAX_STOCK}."]}, id="huge"
        ),
        pytest.param({"on_hand": "many"}, {"on_hand": [NOT_AN_INTEGER]}, id="not-a-number"),
        pytest.param({"on_hand": None}, {"on_hand": ["This field may not be null."]}, id="null"),
        pytest.param({}, {"on_hand": ["This field is required."]}, id="missing"),
    ],
)
def test_invalid_stock_is_refused_and_the_stock_stays(
    staff_client: APIClient, unchanged_database: Unchanged, body: dict[str, Any], field_errors: dict[str, list[str]]
) -> None:
    tea = make_product(on_hand=3)

    with unchanged_database():
        response = staff_client.put(f"{PRODUCTS}{tea.id}/stock/", body, format="json")

    assert response.status_code == 400
    assert response.json()["field_errors"] == field_errors


def test_stock_below_what_open_orders_reserved_is_refused_with_409(
    staff_client: APIClient, unchanged_database: Unchanged
) -> None:
    tea = make_product(on_hand=10)
    catalog.reserve_stock(order_id=uuid.uuid4(), lines=(line(tea, 6),))

    with unchanged_database():
        response = staff_client.put(f"{PRODUCTS}{tea.id}/stock/", {"on_hand": 5}, format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["params"]) == (
        "catalog.stock_below_reserved",
        {"product_id": str(tea.id), "on_hand": 5, "reserved": 6},
    )


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        pytest.param("put", "price/", {"amount": "1.00", "currency": "EUR"}, id="price"),
        pytest.param("put", "stock/", {"on_hand": 1}, id="stock"),
        pytest.param("delete", "", None, id="discontinue"),
    ],
)
def test_changing_an_unknown_product_is_404_and_changes_nothing(
    staff_client: APIClient, unchanged_database: Unchanged, method: str, suffix: str, body: dict[str, Any] | None
) -> None:
    ghost = uuid.uuid4()

    with unchanged_database():
        response = getattr(staff_client, method)(f"{PRODUCTS}{ghost}/{suffix}", body, format="json")

    assert response.status_code == 404
    assert (response.json()["code"], response.json()["params"]) == (
        "catalog.product_not_found",
        {"product_id": str(ghost)},
    )


def test_staff_discontinue_a_product_and_it_leaves_the_listing(staff_client: APIClient) -> None:
    tea = make_product()

    response = staff_client.delete(f"{PRODUCTS}{tea.id}/")

    assert response.status_code == 204
    assert catalog.get_product(product_id=tea.id).is_active is False
    assert staff_client.get(PRODUCTS).json()["count"] == 0


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        pytest.param("post", "", new_product(), id="add-product"),
        pytest.param("put", "{id}/price/", {"amount": "1.00", "currency": "EUR"}, id="set-price"),
        pytest.param("put", "{id}/stock/", {"on_hand": 1}, id="set-stock"),
        pytest.param("delete", "{id}/", None, id="discontinue"),
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_only_staff_may_change_the_catalog(
    request: pytest.FixtureRequest,
    unchanged_database: Unchanged,
    who: str,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    client: APIClient = request.getfixturevalue(f"{who}_client")
    tea = make_product()

    with unchanged_database():
        response = getattr(client, method)(PRODUCTS + suffix.format(id=tea.id), body, format="json")

    expected = ("auth.permission_denied",) if who == "customer" else ("auth.not_authenticated",)
    assert (response.json()["code"],) == expected
    assert response.status_code in ({403} if who == "customer" else {401, 403})
    assert PriceHistory.objects.count() == 0
