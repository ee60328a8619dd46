"""Browsing the catalog over HTTP: public, searchable, filterable; bad queries get 400, not 500."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from domains.catalog.interface import ProductDTO, catalog
from domains.catalog.tests.factories import make_category, make_product
from shared.api.pagination import LIMIT_INVALID, MAX_LIMIT, MAX_OFFSET, OFFSET_INVALID
from shared.api.serializers import AMOUNT_NOT_TEXT, BLANK_QUERY_PARAMETER

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/catalog/products/"
LIMIT_RANGE = LIMIT_INVALID.format(max=MAX_LIMIT, default=20)
OFFSET_RANGE = OFFSET_INVALID.format(max=MAX_OFFSET)


@pytest.fixture
def shelf() -> dict[str, ProductDTO]:
    green, black = make_category(slug="green-tea", name="Green tea"), make_category(slug="black-tea", name="Black tea")
    return {
        "sencha": make_product(name="Sencha Uji", price="9.90", category=green, on_hand=5),
        "matcha": make_product(name="Matcha Ceremonial", price="24.00", category=green, on_hand=0),
        "assam": make_product(
            name="Assam Breakfast", price="7.50", category=black, description="Strong, malty.", sku="TEA-ASSAM"
        ),
        "gone": make_product(name="Discontinued Oolong", price="5.00", category=black),
    }


def names(response: Any) -> list[str]:
    return [product["name"] for product in response.json()["results"]]


def test_anyone_can_list_active_products_with_price_category_and_availability(
    anonymous_client: APIClient, shelf: dict[str, ProductDTO]
) -> None:
    catalog.discontinue_product(product_id=shelf["gone"].id)

    response = anonymous_client.get(PRODUCTS)

    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert names(response) == ["Assam Breakfast", "Matcha Ceremonial", "Sencha Uji"]
    sencha = response.json()["results"][2]
    assert sencha == {
        "id": str(shelf["sencha"].id),
        "sku": shelf["sencha"].sku,
        "name": "Sencha Uji",
        "description": "Steamed green tea, grassy and sweet.",
        "price": {"amount": "9.90", "currency": "EUR"},
        "category": {
            "id": str(shelf["sencha"].category.id),  # type: ignore[union-attr]
            "slug": "green-tea",
            "name": "Green tea",
            "description": "All about green tea.",
        },
        "available": 5,
        "in_stock": True,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("search=sencha", ["Sencha Uji"], id="search-name"),
        pytest.param("search=green+matcha", ["Matcha Ceremonial"], id="search-every-word"),
        pytest.param("search=MALTY", ["Assam Breakfast"], id="search-description-any-case"),
        pytest.param("search=tea-assam", ["Assam Breakfast"], id="search-sku"),
        pytest.param("search=black", ["Assam Breakfast", "Discontinued Oolong"], id="search-category-name"),
        pytest.param("search=nothing+like+it", [], id="search-no-match"),
        pytest.param("category=green-tea", ["Matcha Ceremonial", "Sencha Uji"], id="category"),
        pytest.param("min_price=7.50&max_price=9.90", ["Assam Breakfast", "Sencha Uji"], id="price-range"),
        pytest.param("min_price=10&max_price=5", [], id="price-range-upside-down-holds-nothing"),
        pytest.param("in_stock=true&category=green-tea", ["Sencha Uji"], id="in-stock"),
        pytest.param(
            "ordering=-price",
            ["Matcha Ceremonial", "Sencha Uji", "Assam Breakfast", "Discontinued Oolong"],
            id="priciest-first",
        ),
        pytest.param("ordering=price&limit=2", ["Discontinued Oolong", "Assam Breakfast"], id="cheapest-first-paged"),
    ],
)
def test_products_can_be_searched_filtered_and_ordered(
    anonymous_client: APIClient, shelf: dict[str, ProductDTO], query: str, expected: list[str]
) -> None:
    response = anonymous_client.get(f"{PRODUCTS}?{query}")

    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        pytest.param("min_price=abc", "min_price", AMOUNT_NOT_TEXT, id="price-not-a-number"),
        pytest.param("max_price=1e3", "max_price", AMOUNT_NOT_TEXT, id="price-with-an-exponent"),
        pytest.param("min_price=007", "min_price", AMOUNT_NOT_TEXT, id="price-with-leading-zeros"),
        pytest.param("max_price=", "max_price", BLANK_QUERY_PARAMETER, id="price-empty"),
        pytest.param("in_stock=1", "in_stock", "Must be a valid boolean.", id="in-stock-one-is-not-true"),
        pytest.param(
            "min_price=-1", "min_price", "Ensure this value is greater than or equal to 0.", id="price-negative"
        ),
        pytest.param(
            "max_price=99999999999",
            "max_price",
            "Ensure that there are no more than 10 digits before the decimal point.",
            id="price-huge",
        ),
        pytest.param("ordering=sku", "ordering", '"sku" is not a valid choice.', id="unknown-ordering"),
        pytest.param(
            "category=not+a+slug!",
            "category",
            'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.',
            id="category-not-a-slug",
        ),
        pytest.param("in_stock=maybe", "in_stock", "Must be a valid boolean.", id="in-stock-not-a-boolean"),
        pytest.param(
            f"search={'x' * 101}", "search", "Ensure this field has no more than 100 characters.", id="search-too-long"
        ),
        pytest.param("search=%00", "search", "Null characters are not allowed.", id="search-null-character"),
    ],
)
def test_a_bad_query_is_answered_with_400_naming_the_field(
    anonymous_client: APIClient, shelf: dict[str, ProductDTO], query: str, field: str, message: str
) -> None:
    response = anonymous_client.get(f"{PRODUCTS}?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "request.invalid"
    assert response.json()["field_errors"] == {field: [message]}


@pytest.mark.parametrize(
    ("query", "field_errors"),
    [
        pytest.param("limit=99999999999999999999", {"limit": [LIMIT_RANGE]}, id="huge-limit"),
        pytest.param("limit=101", {"limit": [LIMIT_RANGE]}, id="limit-over-the-maximum"),
        pytest.param("limit=0", {"limit": [LIMIT_RANGE]}, id="limit-zero"),
        pytest.param("limit=1&offset=99999999999999999999", {"offset": [OFFSET_RANGE]}, id="huge-offset"),
        pytest.param("limit=-5&offset=abc", {"limit": [LIMIT_RANGE], "offset": [OFFSET_RANGE]}, id="nonsense"),
        pytest.param("limit=2.0", {"limit": [LIMIT_RANGE]}, id="limit-not-whole"),
        pytest.param("offset=", {"offset": [OFFSET_RANGE]}, id="offset-empty"),
    ],
)
def test_paging_parameters_out_of_their_range_are_a_400_naming_each(
    anonymous_client: APIClient, shelf: dict[str, ProductDTO], query: str, field_errors: dict[str, list[str]]
) -> None:
    response = anonymous_client.get(f"{PRODUCTS}?{query}")

    assert (response.status_code, response.json()["code"]) == (400, "request.invalid")
    assert response.json()["field_errors"] == field_errors


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(
            "limit=100",
            ["Assam Breakfast", "Discontinued Oolong", "Matcha Ceremonial", "Sencha Uji"],
            id="the-maximum-limit",
        ),
        pytest.param("limit=1&offset=1", ["Discontinued Oolong"], id="second-page-of-one"),
        pytest.param("offset=1000000000", [], id="the-maximum-offset-past-the-end"),
    ],
)
def test_paging_parameters_in_their_range_page(
    anonymous_client: APIClient, shelf: dict[str, ProductDTO], query: str, expected: list[str]
) -> None:
    response = anonymous_client.get(f"{PRODUCTS}?{query}")

    assert (response.status_code, names(response)) == (200, expected)


def test_a_product_is_shown_by_id(anonymous_client: APIClient, shelf: dict[str, ProductDTO]) -> None:
    response = anonymous_client.get(f"{PRODUCTS}{shelf['assam'].id}/")

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["price"]) == (
        "Assam Breakfast",
        {"amount": "7.50", "currency": "EUR"},
    )


@pytest.mark.parametrize("product", ["unknown", "discontinued"])
def test_an_unknown_or_discontinued_product_is_not_found(
    anonymous_client: APIClient, shelf: dict[str, ProductDTO], product: str
) -> None:
    product_id = uuid.uuid4() if product == "unknown" else shelf["gone"].id
    catalog.discontinue_product(product_id=shelf["gone"].id)

    response = anonymous_client.get(f"{PRODUCTS}{product_id}/")

    assert response.status_code == 404
    assert (response.json()["code"], response.json()["params"]) == (
        "catalog.product_not_found",
        {"product_id": str(product_id)},
    )


def test_a_product_path_that_is_not_an_id_is_not_found(anonymous_client: APIClient) -> None:
    response = anonymous_client.get(f"{PRODUCTS}42/")

    assert response.status_code == 404


def test_anyone_can_list_the_categories(anonymous_client: APIClient, shelf: dict[str, ProductDTO]) -> None:
    response = anonymous_client.get("/api/catalog/categories/")

    assert response.status_code == 200
    assert [(c["slug"], c["name"]) for c in response.json()] == [("black-tea", "Black tea"), ("green-tea", "Green tea")]
