"""Every endpoint that takes a body answers a body it cannot use with a 4xx in the error
shape, and changes nothing: malformed or absurd JSON, JSON that is not an object, a form
instead of JSON, a body over the size limit, a field the endpoint does not know, a value
of the wrong JSON type. Never a 500.

The endpoints come from the URL configuration (tests.endpoints): every POST,
PUT and PATCH under /api/, so a new one cannot escape these tests. Field-by-field
validation (negative or huge quantities, unknown ids) is tested with each domain, next
to its endpoints.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import principal
from domains.cart.interface import cart
from domains.catalog.interface import ProductDTO, catalog
from domains.identity.interface import identity
from shared.api.access import Access
from shared.api.serializers import NOT_A_STRING, NOT_AN_INTEGER, UNKNOWN_FIELD
from shared.auth.principal import Principal
from shared.money import Money
from tests.endpoints import Endpoint, api_endpoints

pytestmark = pytest.mark.django_db

Unchanged = Callable[[], AbstractContextManager[None]]

BODY_METHODS = ("POST", "PUT", "PATCH")
# The object each URL parameter names, made by the `product` fixture below.
URL_OBJECTS = {"product_id": "product"}

ENDPOINTS = [
    pytest.param(endpoint, method, id=f"{method} /{endpoint.route}")
    for endpoint in api_endpoints()
    for method in endpoint.methods
    if method in BODY_METHODS
]

BODIES = [
    pytest.param(b'{"quantity": ', "application/json", 400, "request.malformed", id="malformed-json"),
    pytest.param(b'{"quantity": NaN}', "application/json", 400, "request.malformed", id="nan"),
    pytest.param(b"[" * 50_000 + b"]" * 50_000, "application/json", 400, "request.malformed", id="nested-too-deep"),
    pytest.param(b"[1, 2]", "application/json", 400, "request.invalid", id="a-list-not-an-object"),
    pytest.param(b'"tok_visa"', "application/json", 400, "request.invalid", id="a-string-not-an-object"),
    pytest.param(b"", "application/json", 400, "request.invalid", id="empty"),
    pytest.param(b"quantity=2", "application/x-www-form-urlencoded", 415, "request.unsupported_media_type", id="form"),
    pytest.param(None, "application/json", 413, "request.too_large", id="over-the-size-limit"),
]


@pytest.fixture
def customer() -> Principal:
    """A registered customer, so that an endpoint about the caller (PATCH /me) finds one."""
    user = identity.register_user(email="body@example.com", password="correct horse battery staple", full_name="Bo")
    return principal(user_id=user.id, email=user.email)


@pytest.fixture
def product(customer: Principal) -> ProductDTO:
    """A product in stock, already in the customer's cart (so checkout and PATCH have work to do)."""
    created = catalog.create_product(
        sku="BODY-1", name="Sencha", description="", price=Money(amount=Decimal("9.90"), currency="EUR")
    )
    catalog.set_stock(product_id=created.id, on_hand=10)
    cart.add_item(customer_id=customer.id, product_id=created.id, quantity=1)
    return created


def oversized() -> bytes:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return b'{"name": "' + b"x" * limit + b'"}'


def send(
    request: pytest.FixtureRequest, endpoint: Endpoint, method: str, body: bytes, content_type: str = "application/json"
) -> Any:
    """Send `body` as the caller the endpoint admits (staff where it is staff-only), naming real objects."""
    who = "staff" if endpoint.access(method) == (Access.STAFF,) else "customer"
    client: APIClient = request.getfixturevalue(f"{who}_client")
    objects = {param: request.getfixturevalue(URL_OBJECTS[param]).id for param in endpoint.params}
    return client.generic(method, reverse(endpoint.name or "", kwargs=objects), body, content_type)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    error = response.json()
    assert (error["code"], sorted(error)) == (
        code,
        ["code", "correlation_id", "detail", "field_errors", "instance", "params", "status", "title", "type"],
    )
    return error


def test_every_url_parameter_of_an_endpoint_with_a_body_names_an_object_these_tests_make() -> None:
    params = {param for case in ENDPOINTS for param in case.values[0].params}

    assert params - URL_OBJECTS.keys() == set(), "add a fixture for it to URL_OBJECTS"
    assert len(ENDPOINTS) >= 10


@pytest.mark.parametrize(("body", "content_type", "status", "code"), BODIES)
@pytest.mark.parametrize(("endpoint", "method"), ENDPOINTS)
def test_a_body_the_endpoint_cannot_use_is_a_4xx_and_changes_nothing(
    request: pytest.FixtureRequest,
    unchanged_database: Unchanged,
    product: ProductDTO,
    endpoint: Endpoint,
    method: str,
    body: bytes | None,
    content_type: str,
    status: int,
    code: str,
) -> None:
    with unchanged_database():
        response = send(request, endpoint, method, oversized() if body is None else body, content_type)

    if body == b"" and method == "PATCH" and response.status_code == 200:
        return  # An empty PATCH changes no field: a no-op (and the database is unchanged), not an error.
    assert_error(response, status, code)


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINTS)
def test_a_field_the_endpoint_does_not_know_is_named_and_changes_nothing(
    request: pytest.FixtureRequest, unchanged_database: Unchanged, product: ProductDTO, endpoint: Endpoint, method: str
) -> None:
    with unchanged_database():
        response = send(request, endpoint, method, b'{"unit_price": "0.01"}')

    error = assert_error(response, 400, "request.invalid")
    [message] = error["field_errors"]["unit_price"]
    assert message.startswith(UNKNOWN_FIELD.split("{")[0])


WRONG_TYPES = [
    pytest.param("post", "/api/cart/items/", {"product_id": "{product}", "quantity": "2"}, "quantity", NOT_AN_INTEGER),
    pytest.param("post", "/api/cart/items/", {"product_id": "{product}", "quantity": 2.0}, "quantity", NOT_AN_INTEGER),
    pytest.param("post", "/api/cart/items/", {"product_id": "{product}", "quantity": True}, "quantity", NOT_AN_INTEGER),
    pytest.param("patch", "/api/cart/items/{product}/", {"quantity": "3"}, "quantity", NOT_AN_INTEGER),
    pytest.param("put", "/api/catalog/products/{product}/stock/", {"on_hand": "5"}, "on_hand", NOT_AN_INTEGER),
    pytest.param(
        "post",
        "/api/catalog/products/",
        {"sku": "TEA-9", "name": 42, "price": {"amount": "1.00", "currency": "EUR"}},
        "name",
        NOT_A_STRING,
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "field", "message"), WRONG_TYPES)
def test_a_value_of_the_wrong_json_type_is_refused_not_converted(
    staff_client: APIClient,
    customer_client: APIClient,
    unchanged_database: Unchanged,
    product: ProductDTO,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    client = staff_client if "catalog" in path else customer_client
    filled = {name: v.format(product=product.id) if isinstance(v, str) else v for name, v in body.items()}
    data = json.dumps(filled)

    with unchanged_database():
        response = client.generic(method.upper(), path.format(product=product.id), data, "application/json")

    assert_error(response, 400, "request.invalid")
    assert response.json()["field_errors"] == {field: [message]}
