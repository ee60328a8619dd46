"""The endpoint inventory: every /api/ route, read from the resolver, and what keeps it from the tests."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from shared.api.access import NOT_A_METHOD, NOT_AN_ACCESS_CLASS, Access, Public, by_method
from shared.auth.principal import CUSTOMER_SCOPE, STAFF_SCOPE, Principal
from tests.endpoints import (
    AMBIGUOUS,
    NOT_A_ROUTE,
    NOT_DRF,
    NOT_GATEWAY_VIEW,
    OBJECT_NOT_OWNED,
    SAMPLE_VALUES,
    UNCLASSIFIED,
    UNKNOWN_CONVERTER,
    UNNAMED,
    api_endpoints,
    classification_problems,
)
from tests.gateway import inventory_urls as urls

URLCONF = "tests.gateway.inventory_urls"
OWNER = Access.OWNER
CUSTOMER = Principal(id=uuid.uuid4(), email="c@example.com", scopes=frozenset({CUSTOMER_SCOPE}))
STAFF = Principal(id=uuid.uuid4(), email="s@example.com", scopes=frozenset({CUSTOMER_SCOPE, STAFF_SCOPE}))


def test_every_route_under_api_is_listed_with_its_name_methods_and_access() -> None:
    endpoints = api_endpoints(URLCONF)

    assert [(e.route, e.name, {m: e.access(m) for m in e.methods}) for e in endpoints] == [
        ("api/products/", "products", {"GET": (Access.PUBLIC,)}),
        ("api/shop/orders/<uuid:order_id>/", "shop:order-detail", {"GET": (OWNER,), "DELETE": (OWNER,)}),
        ("api/shop/reports/", "shop:reports", {"POST": (Access.STAFF,)}),
        ("api/undeclared/", "undeclared", {"GET": ()}),
        ("api/both/", "both", {"GET": (Access.PUBLIC, Access.STAFF)}),
        ("api/plain/", "plain", dict.fromkeys(("GET", "POST", "PUT", "PATCH", "DELETE"), ())),
        ("api/unnamed/", None, {"GET": (Access.PUBLIC,)}),
        ("^api/legacy/(?P<slug>[a-z]+)/$", "legacy", {"GET": (Access.PUBLIC,)}),
        ("api/things/<uuid:thing_id>/", "thing", {"PUT": (Access.AUTHENTICATED,)}),
        ("api/years/<year:year>/", "year", {"GET": (Access.PUBLIC,)}),
        ("api/shelf/", "shelf", {"GET": (Access.PUBLIC,), "POST": (Access.STAFF,)}),
        ("api/half/", "half", {"GET": (Access.PUBLIC,), "POST": ()}),
        ("api/drf-only/", "drf-only", {"GET": (Access.PUBLIC,)}),
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
        UNCLASSIFIED.format(endpoint="/api/undeclared/ (undeclared)", view="Undeclared", method="GET"),
        AMBIGUOUS.format(endpoint="/api/both/ (both)", view="Both", declared="public, staff", method="GET"),
        NOT_DRF.format(endpoint="/api/plain/ (plain)", view="plain"),
        UNNAMED.format(endpoint="/api/unnamed/ (unnamed)"),
        NOT_A_ROUTE.format(endpoint="/^api/legacy/(?P<slug>[a-z]+)/$ (legacy)"),
        OBJECT_NOT_OWNED.format(
            endpoint="/api/things/<uuid:thing_id>/ (thing)", view="MyThing", method="PUT", params="thing_id"
        ),
        UNKNOWN_CONVERTER.format(endpoint="/api/years/<year:year>/ (year)", converter="YearConverter", param="year"),
        UNCLASSIFIED.format(endpoint="/api/half/ (half)", view="HalfDeclared", method="POST"),
        NOT_GATEWAY_VIEW.format(endpoint="/api/drf-only/ (drf-only)", view="DrfOnly"),
    ]


@pytest.mark.parametrize(
    ("view", "method", "caller", "allowed"),
    [
        pytest.param(urls.Shelf, "GET", None, True, id="anyone-browses"),
        pytest.param(urls.Shelf, "HEAD", None, True, id="head-follows-get"),
        pytest.param(urls.Shelf, "POST", None, False, id="anonymous-cannot-stock"),
        pytest.param(urls.Shelf, "POST", CUSTOMER, False, id="customer-cannot-stock"),
        pytest.param(urls.Shelf, "POST", STAFF, True, id="staff-stocks"),
        pytest.param(urls.Shelf, "DELETE", None, True, id="unhandled-method-left-to-405"),
        pytest.param(urls.HalfDeclared, "POST", STAFF, False, id="handled-but-undeclared-refused"),
    ],
)
def test_by_method_checks_each_method_with_its_own_access_class(
    rf: RequestFactory, view: type[APIView], method: str, caller: Principal | None, allowed: bool
) -> None:
    request = Request(rf.generic(method, "/api/shelf/"))
    request.user = caller or AnonymousUser()

    assert view.permission_classes[0]().has_permission(request, view()) is allowed


def test_by_method_takes_only_access_classes_and_http_methods() -> None:
    with pytest.raises(TypeError) as not_access:
        by_method(GET=IsAuthenticated)
    with pytest.raises(TypeError) as not_method:
        by_method(FETCH=Public)

    assert str(not_access.value) == NOT_AN_ACCESS_CLASS.format(method="GET", given=IsAuthenticated)
    assert str(not_method.value) == NOT_A_METHOD.format(method="FETCH")
