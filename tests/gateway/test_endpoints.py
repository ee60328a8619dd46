"""The endpoint inventory: every /api/ route, read from the resolver, and what keeps it from the tests."""

from __future__ import annotations

from shared.gateway.access import Access
from shared.gateway.endpoints import (
    AMBIGUOUS,
    NOT_A_ROUTE,
    NOT_DRF,
    OBJECT_NOT_OWNED,
    SAMPLE_VALUES,
    UNCLASSIFIED,
    UNKNOWN_CONVERTER,
    UNNAMED,
    api_endpoints,
    classification_problems,
)

URLCONF = "tests.gateway.inventory_urls"


def test_every_route_under_api_is_listed_with_its_name_methods_and_access() -> None:
    endpoints = api_endpoints(URLCONF)

    assert [(e.route, e.name, e.methods, e.access) for e in endpoints] == [
        ("api/products/", "products", ("GET",), (Access.PUBLIC,)),
        ("api/shop/orders/<uuid:order_id>/", "shop:order-detail", ("GET", "DELETE"), (Access.OWNER,)),
        ("api/shop/reports/", "shop:reports", ("POST",), (Access.STAFF,)),
        ("api/undeclared/", "undeclared", ("GET",), ()),
        ("api/both/", "both", ("GET",), (Access.PUBLIC, Access.STAFF)),
        ("api/plain/", "plain", ("GET", "POST", "PUT", "PATCH", "DELETE"), ()),
        ("api/unnamed/", None, ("GET",), (Access.PUBLIC,)),
        ("^api/legacy/(?P<slug>[a-z]+)/$", "legacy", ("GET",), (Access.PUBLIC,)),
        ("api/things/<uuid:thing_id>/", "thing", ("PUT",), (Access.AUTHENTICATED,)),
        ("api/years/<year:year>/", "year", ("GET",), (Access.PUBLIC,)),
    ]


def test_an_object_endpoint_builds_its_url_from_given_or_sample_values() -> None:
    [orders] = [e for e in api_endpoints(URLCONF) if e.name == "shop:order-detail"]
    order_id = SAMPLE_VALUES[type(orders.converters["order_id"])]

    assert orders.params == ("order_id",)
    assert orders.sample_kwargs() == {"order_id": order_id}
    assert orders.sample_kwargs(order_id="given") == {"order_id": "given"}


def test_each_endpoint_the_tests_cannot_work_from_is_named_with_what_to_do() -> None:
    problems = classification_problems(api_endpoints(URLCONF))

    assert problems == [
        UNCLASSIFIED.format(endpoint="/api/undeclared/ (undeclared)", view="Undeclared"),
        AMBIGUOUS.format(endpoint="/api/both/ (both)", view="Both", declared="public, staff"),
        NOT_DRF.format(endpoint="/api/plain/ (plain)", view="plain"),
        UNNAMED.format(endpoint="/api/unnamed/ (unnamed)"),
        NOT_A_ROUTE.format(endpoint="/^api/legacy/(?P<slug>[a-z]+)/$ (legacy)"),
        OBJECT_NOT_OWNED.format(endpoint="/api/things/<uuid:thing_id>/ (thing)", view="MyThing", params="thing_id"),
        UNKNOWN_CONVERTER.format(endpoint="/api/years/<year:year>/ (year)", converter="YearConverter", param="year"),
    ]
