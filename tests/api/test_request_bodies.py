"""Every endpoint that takes a body answers a body it cannot use with a 4xx in the error
shape, and changes nothing: malformed or absurd JSON, JSON that is not an object, a form
instead of JSON, a body over the size limit. Never a 500.

Field-by-field validation (wrong types, negative or huge quantities, unknown ids) is
tested with each domain, next to its endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from domains.cart.interface import cart
from domains.catalog.interface import ProductDTO, catalog
from shared.gateway.principal import Principal
from shared.money import Money

pytestmark = pytest.mark.django_db

Unchanged = Callable[[], AbstractContextManager[None]]

ENDPOINTS = [
    pytest.param("staff", "post", "/api/catalog/products/", id="catalog-add-product"),
    pytest.param("staff", "put", "/api/catalog/products/{product}/price/", id="catalog-set-price"),
    pytest.param("staff", "put", "/api/catalog/products/{product}/stock/", id="catalog-set-stock"),
    pytest.param("customer", "post", "/api/cart/items/", id="cart-add-item"),
    pytest.param("customer", "patch", "/api/cart/items/{product}/", id="cart-change-quantity"),
    pytest.param("customer", "post", "/api/orders/checkout/", id="orders-checkout"),
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


@pytest.mark.parametrize(("body", "content_type", "status", "code"), BODIES)
@pytest.mark.parametrize(("who", "method", "path"), ENDPOINTS)
def test_a_body_the_endpoint_cannot_use_is_a_4xx_and_changes_nothing(
    request: pytest.FixtureRequest,
    unchanged_database: Unchanged,
    product: ProductDTO,
    who: str,
    method: str,
    path: str,
    body: bytes | None,
    content_type: str,
    status: int,
    code: str,
) -> None:
    client: APIClient = request.getfixturevalue(f"{who}_client")

    with unchanged_database():
        response = client.generic(
            method.upper(), path.format(product=product.id), oversized() if body is None else body, content_type
        )

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = response.json()
    assert (error["code"], sorted(error)) == (
        code,
        ["code", "correlation_id", "field_errors", "message", "params", "type"],
    )
