"""The route table: installed domains served here, configured ones forwarded, URLs unchanged for clients."""

from __future__ import annotations

import types
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import resolve, reverse

from domains.catalog.http.views import ProductDetailView, ProductListView
from shared.api import errors
from shared.boundaries.domains import domain_apps
from shared.gateway.routing import (
    BAD_BASE_URL,
    BAD_DOMAIN,
    NOT_FORWARDED_YET,
    LocalRoute,
    RemoteRoute,
    api_urlpatterns,
    route_table,
    served_routes,
)

CATALOG = LocalRoute(domain="catalog", urls_module="domains.catalog.http.urls")


def domains_with_http_routes() -> list[str]:
    """Read from the files on disk, independently of how the route table finds them."""
    return sorted(app.label for app in domain_apps() if (Path(app.path) / "http" / "urls.py").is_file())


def test_every_installed_domain_with_http_routes_is_served_here() -> None:
    routes = route_table(domain_apps=domain_apps(), remote_domains={})

    assert CATALOG in routes
    assert [route.domain for route in routes] == domains_with_http_routes()
    assert all(isinstance(route, LocalRoute) for route in routes)


def test_an_app_without_http_routes_gets_no_route() -> None:
    assert route_table(domain_apps=[apps.get_app_config("bus")], remote_domains={}) == ()


def test_a_domain_configured_remote_leaves_this_process_and_the_others_stay() -> None:
    local = route_table(domain_apps=domain_apps(), remote_domains={})

    routes = route_table(domain_apps=domain_apps(), remote_domains={"catalog": "http://catalog.internal:8000/"})

    assert [r for r in routes if r.domain == "catalog"] == [
        RemoteRoute(domain="catalog", base_url="http://catalog.internal:8000")
    ]
    assert [r for r in routes if r.domain != "catalog"] == [r for r in local if r.domain != "catalog"]


def test_a_remote_domain_need_not_be_installed_here() -> None:
    routes = route_table(domain_apps=domain_apps(), remote_domains={"search": "https://search.internal"})

    assert RemoteRoute(domain="search", base_url="https://search.internal") in routes


@pytest.mark.parametrize(
    ("remote", "message"),
    [
        pytest.param({"Catalog": "http://x"}, BAD_DOMAIN.format(domain="Catalog"), id="bad-domain"),
        pytest.param(
            {"catalog": "catalog:8000"}, BAD_BASE_URL.format(domain="catalog", base_url="catalog:8000"), id="bad-url"
        ),
    ],
)
def test_a_malformed_remote_configuration_stops_the_start(remote: dict[str, str], message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        route_table(domain_apps=domain_apps(), remote_domains=remote)

    assert str(raised.value) == message


def test_the_process_route_table_reads_the_settings() -> None:
    with override_settings(GATEWAY_REMOTE_DOMAINS={"catalog": "http://catalog.internal:8000"}):
        routes = served_routes()

    assert RemoteRoute(domain="catalog", base_url="http://catalog.internal:8000") in routes
    assert CATALOG in served_routes()


def test_the_project_urls_mount_each_domain_under_api_and_its_name() -> None:
    assert resolve("/api/catalog/products/").func.view_class is ProductListView  # type: ignore[attr-defined]
    product_id = uuid.uuid4()
    assert resolve(f"/api/catalog/products/{product_id}/").func.view_class is ProductDetailView  # type: ignore[attr-defined]
    assert reverse("catalog:product-list") == "/api/catalog/products/"


def urlconf_with(remote_domains: dict[str, str]) -> types.ModuleType:
    """A URL configuration built as config/urls.py builds it, from a route table."""
    module = types.ModuleType("urls_with_remote_domains")
    module.urlpatterns = api_urlpatterns(route_table(domain_apps=domain_apps(), remote_domains=remote_domains))  # type: ignore[attr-defined]
    module.handler404 = errors.handler404  # type: ignore[attr-defined]
    module.handler500 = errors.handler500  # type: ignore[attr-defined]
    return module


@pytest.mark.parametrize("path", ["/api/catalog/", "/api/catalog/products/"], ids=["root", "products"])
def test_until_forwarding_exists_a_remote_domain_answers_503_saying_so(client: Client, path: str) -> None:
    with override_settings(ROOT_URLCONF=urlconf_with({"catalog": "http://catalog.internal:8000"})):
        response = client.get(path, HTTP_X_REQUEST_ID="req-1")

    reason = NOT_FORWARDED_YET.format(base_url="http://catalog.internal:8000")
    assert response.status_code == 503
    assert response.json() == {
        "type": "urn:modulith:problem:kernel.service_unavailable",
        "title": "Service unavailable",
        "status": 503,
        "instance": path,
        "code": "kernel.service_unavailable",
        "detail": (
            f"The catalog service could not complete GET {path}: {reason}. "
            "Retry later; the operation may not have happened."
        ),
        "field_errors": {},
        "params": {"domain": "catalog", "operation": f"GET {path}", "reason": reason},
        "correlation_id": "req-1",
    }
