"""OPTIONS on an endpoint answers what it is, for any caller allowed to use it, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.mark.django_db
@pytest.mark.parametrize("client_name", ["staff_client", "anonymous_client"], ids=["staff", "anyone"])
def test_options_on_an_endpoint_a_staff_token_may_post_to_answers_its_description(
    request: pytest.FixtureRequest, client_name: str
) -> None:
    client: APIClient = request.getfixturevalue(client_name)

    response = client.options("/api/catalog/products/")

    assert response.status_code == 200
    assert response.json() == {
        "name": "Product List",
        "description": "GET: active products, searched and filtered (public). POST: add a product (staff).",
        "renders": ["application/json"],
        "parses": ["application/json"],
    }
