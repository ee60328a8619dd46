"""The route table: installed domains served here, configured ones forwarded, URLs unchanged for clients."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.test import override_settings
from django.urls import resolve, reverse

from domains.catalog.http.views import ProductDetailView, ProductListView
from shared.boundaries.domains import domain_apps
from shared.gateway.routing import (
    LocalRoute,
    RemoteRoute,
    route_table,
    served_routes,
)
from shared.placement import VIA_REGISTRY, AtUrls, Placement, parse_placement

CATALOG = LocalRoute(domain="catalog", urls_module="domains.catalog.http.urls")


def domains_with_http_routes() -> list[str]:
    """Read from the files on disk, independently of how the route table finds them."""
    return sorted(app.label for app in domain_apps() if (Path(app.path) / "http" / "urls.py").is_file())


def placed(text: str) -> Placement:
    return parse_placement(text, domains=settings.DOMAINS)


ALL_HERE = placed("")


def test_every_installed_domain_with_http_routes_is_served_here() -> None:
    routes = route_table(domain_apps=domain_apps(), placement=ALL_HERE)

    assert CATALOG in routes
    assert [route.domain for route in routes] == domains_with_http_routes()
    assert all(isinstance(route, LocalRoute) for route in routes)


def test_an_app_without_http_routes_gets_no_route() -> None:
    assert route_table(domain_apps=[apps.get_app_config("bus")], placement=ALL_HERE) == ()


def test_a_domain_placed_elsewhere_leaves_this_process_and_the_others_stay() -> None:
    local = route_table(domain_apps=domain_apps(), placement=ALL_HERE)

    routes = route_table(domain_apps=domain_apps(), placement=placed("catalog=http://catalog.internal:8000/"))

    assert [r for r in routes if r.domain == "catalog"] == [
        RemoteRoute(domain="catalog", where=AtUrls(("http://catalog.internal:8000",)))
    ]
    assert [r for r in routes if r.domain != "catalog"] == [r for r in local if r.domain != "catalog"]


def test_a_remote_domain_need_not_be_installed_here() -> None:
    installed = [app for app in domain_apps() if app.label != "billing"]

    routes = route_table(domain_apps=installed, placement=placed("billing=registry"))

    assert RemoteRoute(domain="billing", where=VIA_REGISTRY) in routes


def test_the_process_route_table_reads_the_placement_map() -> None:
    with override_settings(DOMAIN_PLACEMENT=placed("catalog=http://catalog.internal:8000")):
        routes = served_routes()

    assert RemoteRoute(domain="catalog", where=AtUrls(("http://catalog.internal:8000",))) in routes
    assert CATALOG in served_routes()


def test_the_project_urls_mount_each_domain_under_api_and_its_name() -> None:
    assert resolve("/api/catalog/products/").func.view_class is ProductListView  # type: ignore[attr-defined]
    product_id = uuid.uuid4()
    assert resolve(f"/api/catalog/products/{product_id}/").func.view_class is ProductDetailView  # type: ignore[attr-defined]
    assert reverse("catalog:product-list") == "/api/catalog/products/"
