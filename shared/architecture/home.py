"""`/`: what a person who opens the server finds: what runs here, where each domain is placed, where to go next.

Server-rendered, no JavaScript, public (it shows nothing the API's own public schema does
not): the release, each domain with what it owns and where it runs (from the placement
map, DOMAIN_PLACEMENT), and links to the API docs, the admin, the architecture page,
health, and /metrics when it is public. The composition root wires it (config/urls.py).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import inspect
import sys
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shared.interfaces import registry
from shared.placement import AtUrls, Local, ViaRegistry, current_placement

DOMAINS_PACKAGE = "domains"
HERE = "in this process"
VIA_REGISTRY = "its service's instances, found in the service registry"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PlacedDomain:
    name: str
    summary: str
    """The first paragraph of the domain's interface module docstring."""
    runs: str
    """HERE, the base URLs of its service, or VIA_REGISTRY."""
    api: str
    """Where its endpoints are, under the gateway: /api/<domain>/."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    href: str
    title: str
    what: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Release:
    package: str
    """The project's version (pyproject.toml)."""
    service: str
    """SERVICE_VERSION: what this instance announces (a release, a commit)."""
    api: str
    """The OpenAPI schema's version."""


def placed_domains() -> list[PlacedDomain]:
    """Every domain of the deployment, in the order the settings list them, and where it runs."""
    placement = current_placement()
    summaries = {
        interface.meta.name: _first_paragraph(sys.modules[interface.meta.protocol.__module__].__doc__)
        for interface in registry.interfaces()
        if interface.meta.protocol.__module__.startswith(f"{DOMAINS_PACKAGE}.")
    }
    return [
        PlacedDomain(
            name=domain, summary=summaries.get(domain, ""), runs=_runs(placement.where(domain)), api=f"/api/{domain}/"
        )
        for domain in placement.domains
    ]


def links() -> list[Link]:
    """Where to go from here; /metrics only when anyone may read it."""
    found = [
        Link(href="/api/docs/", title="API docs", what="Swagger UI: every operation, tried from the browser"),
        Link(href="/api/redoc/", title="API reference", what="ReDoc: the same schema, to read"),
        Link(href="/api/schema/", title="OpenAPI schema", what="YAML; ?format=json for JSON"),
        Link(href="/admin/", title="Admin", what="staff: products, orders, the event bus's dead letters"),
        Link(href="/architecture/", title="Architecture", what="staff: the domains, their calls and events, live"),
        Link(href="/healthz/live", title="Liveness", what="200 while the process answers"),
        Link(href="/healthz/ready", title="Readiness", what="200 when the database and the rest it needs answer"),
    ]
    if settings.METRICS_PUBLIC and not settings.METRICS_TOKEN:
        found.append(Link(href="/metrics", title="Metrics", what="Prometheus text format"))
    return found


def release() -> Release:
    return Release(
        package=importlib.metadata.version("modulith"),
        service=settings.SERVICE_VERSION,
        api=settings.SPECTACULAR_SETTINGS["VERSION"],
    )


def home_view() -> Callable[[HttpRequest], HttpResponse]:
    """The view of `/` (wiring: config/urls.py)."""

    @require_GET
    def home(request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "architecture/home.html",
            {"domains": placed_domains(), "links": links(), "release": release()},
        )

    return home


def _runs(where: Local | AtUrls | ViaRegistry) -> str:
    if isinstance(where, Local):
        return HERE
    if isinstance(where, AtUrls):
        return ", ".join(where.urls)
    return VIA_REGISTRY


def _first_paragraph(text: str | None) -> str:
    paragraph = inspect.cleandoc(text or "").split("\n\n", 1)[0]
    return " ".join(paragraph.split())
