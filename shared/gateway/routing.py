"""Where each domain's API is served: the route table config/urls.py mounts under /api/<domain>/.

    route_table(domain_apps=..., remote_domains=...)   ->  (LocalRoute | RemoteRoute, ...)
    api_urlpatterns(routes)                            ->  Django URL patterns for them

A domain is served locally when its app is installed and has HTTP routes (a
`domains/<d>/http/urls.py`), unless configuration says a service serves it now
(GATEWAY_REMOTE_DOMAINS, domain -> base URL): then its routes leave this process, and a
client sees the same URLs, the same auth, rate limits and error shape either way.

This is the seam the remote-interfaces work plugs forwarding into. Until it does, a remote
route answers 503 in the API's error shape (kernel.service_unavailable), saying so: a
configured-away domain never falls back to local code or to a silent 404.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, include, path
from rest_framework.request import Request

from shared.api.access import Public
from shared.api.views import DomainAPIView
from shared.boundaries.domains import domain_apps
from shared.errors import ServiceUnavailableError
from shared.interfaces.proxy import INTERFACE_NAME

API_PREFIX = "api/"
HTTP_URLS_MODULE = "{app}.http.urls"
"""Where a domain keeps its routes (see README, 'A domain')."""

BAD_DOMAIN = "GATEWAY_REMOTE_DOMAINS: {domain!r} is not a domain label; use lowercase letters, digits, underscores."
BAD_BASE_URL = "GATEWAY_REMOTE_DOMAINS: the base URL of {domain!r} is {base_url!r}; give an http:// or https:// URL."
NOT_FORWARDED_YET = (
    "this gateway does not forward requests to {base_url} yet; serve the domain locally "
    "(remove it from GATEWAY_REMOTE_DOMAINS) until remote forwarding is deployed"
)


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
    """A domain served by another service, reached at `base_url`."""

    base_url: str


Route = LocalRoute | RemoteRoute


def route_table(*, domain_apps: Iterable[AppConfig], remote_domains: Mapping[str, str]) -> tuple[Route, ...]:
    """The routes of the installed domain apps and of the remote domains, by domain name.

    A pure function of what it is given, so the decision can be checked on any mix of
    installed apps and configuration without standing anything in for either.
    """
    for domain, base_url in remote_domains.items():
        if not INTERFACE_NAME.match(domain):
            raise ImproperlyConfigured(BAD_DOMAIN.format(domain=domain))
        if not base_url.startswith(("http://", "https://")):
            raise ImproperlyConfigured(BAD_BASE_URL.format(domain=domain, base_url=base_url))
    routes: dict[str, Route] = {
        domain: RemoteRoute(domain=domain, base_url=base_url.rstrip("/")) for domain, base_url in remote_domains.items()
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
    """The route table of this process: its installed domains and its configured remote ones."""
    return route_table(domain_apps=domain_apps(), remote_domains=settings.GATEWAY_REMOTE_DOMAINS)


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


class RemoteDomainView(DomainAPIView):
    """Stands where a remote domain's routes are, until forwarding to its service exists.

    Public here because the service that serves the domain checks the caller's token
    itself (any service can verify it without the identity database).
    """

    permission_classes = (Public,)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication and rate limits, as on any route
        route: RemoteRoute = kwargs["route"]  # from the URL pattern (api_urlpatterns)
        raise ServiceUnavailableError(
            domain=route.domain,
            operation=f"{request.method} {request.path}",
            reason=NOT_FORWARDED_YET.format(base_url=route.base_url),
        )
