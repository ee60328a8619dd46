"""Where each domain's API is served: the route table config/urls.py mounts under /api/<domain>/.

    route_table(domain_apps=..., placement=...)   ->  (LocalRoute | RemoteRoute, ...)
    api_urlpatterns(routes)                       ->  Django URL patterns for them

The table reads the same placement map as the binder (shared.placement, DOMAIN_PLACEMENT):
a domain placed here is served locally when its app is installed and has HTTP routes (a
`domains/<d>/http/urls.py`); a domain placed elsewhere has its routes leave this process,
and a client sees the same URLs, the same auth, rate limits and error shape either way.

A remote route is answered by RemoteDomainView (forwarding.py), which sends the request on
to the domain's service: a domain placed elsewhere never falls back to local code or to a
silent 404.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Iterable

from django.apps import AppConfig
from django.urls import URLPattern, URLResolver, include, path

from shared.boundaries.domains import domain_apps
from shared.gateway.forwarding import RemoteDomainView
from shared.placement import Placement, Remote, current_placement

API_PREFIX = "api/"
HTTP_URLS_MODULE = "{app}.http.urls"
"""Where a domain keeps its routes (see README, 'A domain')."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _DomainRoute:
    domain: str

    @property
    def prefix(self) -> str:
        return f"{API_PREFIX}{self.domain}/"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LocalRoute(_DomainRoute):
    """A domain served by this process: its URL module is included under its prefix."""

    urls_module: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RemoteRoute(_DomainRoute):
    """A domain served by another service, found where the placement says."""

    where: Remote


Route = LocalRoute | RemoteRoute


def route_table(*, domain_apps: Iterable[AppConfig], placement: Placement) -> tuple[Route, ...]:
    """The routes of the domains placed elsewhere and of the installed domain apps, by domain name.

    A pure function of what it is given, so the decision can be checked on any mix of
    installed apps and placements without standing anything in for either. The placement
    wins: a domain placed elsewhere is forwarded even if its app were installed here.
    """
    routes: dict[str, Route] = {
        domain: RemoteRoute(domain=domain, where=where) for domain, where in placement.remote.items()
    }
    for app in domain_apps:
        module = HTTP_URLS_MODULE.format(app=app.name)
        if app.label not in routes and _module_exists(module):
            routes[app.label] = LocalRoute(domain=app.label, urls_module=module)
    return tuple(routes[domain] for domain in sorted(routes))


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError as exc:
        if exc.name is not None and f"{name}.".startswith(f"{exc.name}."):
            return False  # the module or a package on its way is missing: the domain has no routes
        raise  # something the package imports is missing: a real error


def served_routes() -> tuple[Route, ...]:
    """The route table of this process: its installed domains and the ones placed elsewhere."""
    return route_table(domain_apps=domain_apps(), placement=current_placement())


def api_urlpatterns(routes: Iterable[Route]) -> list[URLPattern | URLResolver]:
    """URL patterns for a route table. URL names are namespaced by domain ('catalog:product-list')."""
    patterns: list[URLPattern | URLResolver] = []
    for route in routes:
        if isinstance(route, LocalRoute):
            patterns.append(path(route.prefix, include((route.urls_module, route.domain), namespace=route.domain)))
        else:
            view, kwargs = RemoteDomainView.as_view(), {"route": route}
            patterns.append(path(route.prefix, view, kwargs, name=f"{route.domain}-remote-root"))
            patterns.append(path(f"{route.prefix}<path:subpath>", view, kwargs, name=f"{route.domain}-remote"))
    return patterns
