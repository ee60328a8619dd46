"""Every list endpoint refuses a query string it cannot use with a 400 naming the parameter, and
every DELETE of an object answers an id it does not know with a 404; never a 500, never a
silent first page.

Generated from the URL configuration (tests.endpoints): the list endpoints are the
paginated GET endpoints, and their choice filters (`?status=`, `?ordering=`) are the query
parameters with an `enum` in the OpenAPI schema, which is where a view declares them
(`@extend_schema(parameters=[...QuerySerializer])`). A new list endpoint, or a new filter
declared on one, is tested without being named here.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.generics import GenericAPIView
from rest_framework.test import APIClient

from conftest import client_for, principal
from shared.api.access import Access
from shared.api.pagination import LIMIT_INVALID, MAX_LIMIT, MAX_OFFSET, OFFSET_INVALID
from shared.api.serializers import BLANK_QUERY_PARAMETER
from tests.endpoints import Endpoint, api_endpoints

pytestmark = pytest.mark.django_db

NOT_A_CHOICE = "zzz-not-a-choice"
ERROR_KEYS = ["code", "correlation_id", "detail", "field_errors", "instance", "params", "status", "title", "type"]


def is_list(endpoint: Endpoint) -> bool:
    view = endpoint.view
    return "GET" in endpoint.methods and issubclass(view, GenericAPIView) and view.pagination_class is not None


LISTS = [endpoint for endpoint in api_endpoints() if is_list(endpoint)]
DELETES = [endpoint for endpoint in api_endpoints() if "DELETE" in endpoint.methods and endpoint.params]


@functools.cache
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def choice_filters(endpoint: Endpoint) -> dict[str, list[str]]:
    """The query parameters of the endpoint's GET that the schema gives a set of values."""
    operation = schema()["paths"][f"/{endpoint.route}"]["get"]
    filters = {}
    for parameter in operation.get("parameters", ()):
        declared = parameter["schema"]
        if "$ref" in declared:
            declared = schema()["components"]["schemas"][declared["$ref"].rsplit("/", 1)[-1]]
        if parameter["in"] == "query" and "enum" in declared:
            filters[parameter["name"]] = declared["enum"]
    return filters


def url(endpoint: Endpoint, **kwargs: Any) -> str:
    return reverse(endpoint.name or "", kwargs=kwargs)


def caller_for(endpoint: Endpoint, method: str) -> APIClient:
    """A client the endpoint lets in: staff where it is staff-only, a customer otherwise."""
    return client_for(principal(staff=endpoint.access(method) == (Access.STAFF,)))


def assert_400_naming(response: Any, field: str) -> list[str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    error = response.json()
    assert (sorted(error), error["code"]) == (ERROR_KEYS, "request.invalid")
    assert list(error["field_errors"]) == [field]
    return error["field_errors"][field]


def test_the_generated_cases_find_the_list_endpoints_their_filters_and_the_deletes() -> None:
    filters = {(e.route, name) for e in LISTS for name in choice_filters(e)}

    assert {e.route for e in LISTS} >= {"api/catalog/products/", "api/orders/", "api/orders/all/"}
    assert filters >= {
        ("api/catalog/products/", "ordering"),
        ("api/orders/", "status"),
        ("api/orders/all/", "status"),
    }
    assert {e.route for e in DELETES} == {
        "api/catalog/products/<uuid:product_id>/",
        "api/cart/items/<uuid:product_id>/",
    }


PAGING = [
    pytest.param("limit=-1", "limit", LIMIT_INVALID.format(max=MAX_LIMIT, default=20), id="limit-negative"),
    pytest.param("limit=abc", "limit", LIMIT_INVALID.format(max=MAX_LIMIT, default=20), id="limit-not-a-number"),
    pytest.param("offset=-5", "offset", OFFSET_INVALID.format(max=MAX_OFFSET), id="offset-negative"),
]


@pytest.mark.parametrize(("query", "field", "message"), PAGING)
@pytest.mark.parametrize("endpoint", LISTS, ids=lambda e: f"/{e.route}")
def test_a_paging_parameter_out_of_its_range_is_a_400_naming_it_and_the_range(
    endpoint: Endpoint, query: str, field: str, message: str
) -> None:
    response = caller_for(endpoint, "GET").get(f"{url(endpoint)}?{query}")

    assert assert_400_naming(response, field) == [message]


FILTERS = [
    pytest.param(endpoint, name, id=f"/{endpoint.route}?{name}")
    for endpoint in LISTS
    for name in choice_filters(endpoint)
]


@pytest.mark.parametrize(("endpoint", "name"), FILTERS)
def test_a_value_a_choice_filter_does_not_offer_is_a_400_naming_the_filter(endpoint: Endpoint, name: str) -> None:
    response = caller_for(endpoint, "GET").get(f"{url(endpoint)}?{name}={NOT_A_CHOICE}")

    assert assert_400_naming(response, name) == [f'"{NOT_A_CHOICE}" is not a valid choice.']


@pytest.mark.parametrize(("endpoint", "name"), FILTERS)
def test_an_empty_choice_filter_is_a_400_naming_it_not_the_filter_left_out(endpoint: Endpoint, name: str) -> None:
    # `?status=` once listed every order unfiltered, as if the parameter had not been sent.
    response = caller_for(endpoint, "GET").get(f"{url(endpoint)}?{name}=")

    assert assert_400_naming(response, name) == [BLANK_QUERY_PARAMETER]


@pytest.mark.parametrize("endpoint", DELETES, ids=lambda e: f"/{e.route}")
def test_deleting_an_object_that_does_not_exist_is_a_json_404(endpoint: Endpoint) -> None:
    response = caller_for(endpoint, "DELETE").delete(url(endpoint, **endpoint.sample_kwargs()))

    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert (sorted(response.json()), response.json()["status"]) == (ERROR_KEYS, 404)
