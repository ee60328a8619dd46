"""Every endpoint under /api/, read from the URL configuration, with the access it declares.

The authorization tests are generated from this list, so an endpoint cannot escape them by
being new: `api_endpoints()` walks the resolver itself, and `classification_problems()`
names each endpoint whose declaration the tests cannot work from.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, converters, get_resolver
from django.urls.resolvers import RoutePattern
from rest_framework.views import APIView

from shared.api.access import Access, declared_access
from shared.api.views import DomainAPIView

API_ROUTE_PREFIX = "api/"

# Methods the generated tests send. OPTIONS answers metadata and HEAD is GET without a body.
TESTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

NOT_DRF = (
    "{endpoint}: {view} is not a DRF APIView, so the gateway's authentication, permissions and "
    "rate limits do not apply to it. Make it an APIView."
)
NOT_GATEWAY_VIEW = (
    "{endpoint}: {view} derives from DRF's APIView, not shared.api.views.DomainAPIView (or DomainGenericAPIView), so "
    "the requests it refuses (401, 403) are never rate limited. Derive it from DomainAPIView."
)
UNNAMED = "{endpoint}: the route has no name; name it (path(..., name='...')) so tests and clients can reverse it."
UNCLASSIFIED = (
    "{endpoint}: {view} declares no access class for {method}. Put one of Public, Authenticated, OwnerOnly "
    "or StaffOnly (shared.api.access) in its permission_classes, or by_method(...) if methods differ."
)
AMBIGUOUS = "{endpoint}: {view} declares {declared} for {method}; declare exactly one access class."
OBJECT_NOT_OWNED = (
    "{endpoint}: {view} is Authenticated for {method} but its URL captures {params}. An endpoint that "
    "names an object is OwnerOnly (another caller's id answers 404) or StaffOnly."
)
NOT_A_ROUTE = (
    "{endpoint}: the pattern is a regular expression; use path() with converters, so that tests can build its URL."
)
UNKNOWN_CONVERTER = "{endpoint}: no sample value for the {converter} converter of {param!r}; add one to SAMPLE_VALUES."

SAMPLE_VALUES: dict[type, Any] = {
    converters.UUIDConverter: uuid.UUID("00000000-0000-4000-8000-000000000000"),
    converters.IntConverter: 1,
    converters.StringConverter: "sample",
    converters.SlugConverter: "sample",
    converters.PathConverter: "sample",
}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """One route under /api/ and what its view declares."""

    route: str
    """The route as written, from the root: 'api/orders/<uuid:order_id>/'."""
    name: str | None
    """The namespaced URL name ('orders:order-detail'), or None when the route has none."""
    view: Any
    """The view class (for DRF views) or the callback."""
    converters: dict[str, Any]
    """The route's parameters and their converters, outermost first."""
    methods: tuple[str, ...]
    """The methods the view handles, of TESTED_METHODS."""
    uses_regex: bool
    """Whether a regular expression (re_path) makes up part of the route."""

    @property
    def is_drf(self) -> bool:
        return isinstance(self.view, type) and issubclass(self.view, APIView)

    def access(self, method: str) -> tuple[Access, ...]:
        """The access classes the view declares for `method` (exactly one when classified)."""
        return declared_access(self.view, method) if self.is_drf else ()

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(self.converters)

    @property
    def label(self) -> str:
        return f"/{self.route} ({self.name or 'unnamed'})"

    def sample_kwargs(self, **values: Any) -> dict[str, Any]:
        """URL arguments for this endpoint: `values` where given, a well-formed sample otherwise."""
        return {
            param: values[param] if param in values else SAMPLE_VALUES[type(self.converters[param])]
            for param in self.params
        }


def api_endpoints(urlconf: str | None = None) -> list[Endpoint]:
    """Every endpoint whose route starts with /api/, in URL configuration order."""
    patterns = get_resolver(urlconf).url_patterns
    return [
        endpoint
        for endpoint in _walk(patterns, route="", namespace="", converters={}, regex=False)
        if endpoint.route.lstrip("^").startswith(API_ROUTE_PREFIX)  # re_path(r"^api/...") counts too
    ]


def _walk(
    patterns: list[Any], *, route: str, namespace: str, converters: dict[str, Any], regex: bool
) -> Iterator[Endpoint]:
    for pattern in patterns:
        own = dict(getattr(pattern.pattern, "converters", {}))
        is_regex = regex or not isinstance(pattern.pattern, RoutePattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns,
                route=route + str(pattern.pattern),
                namespace=f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace,
                converters={**converters, **own},
                regex=is_regex,
            )
        elif isinstance(pattern, URLPattern):
            callback = pattern.callback
            view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
            yield Endpoint(
                route=route + str(pattern.pattern),
                name=f"{namespace}{pattern.name}" if pattern.name else None,
                view=view,
                converters={**converters, **own},
                methods=_methods(callback, view),
                uses_regex=is_regex,
            )


def _methods(callback: Any, view: Any) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)  # a ViewSet routed by a DRF router
    if actions:
        return tuple(m for m in TESTED_METHODS if m.lower() in actions)
    if isinstance(view, type):
        names = getattr(view, "http_method_names", ())
        return tuple(m for m in TESTED_METHODS if m.lower() in names and hasattr(view, m.lower()))
    return TESTED_METHODS  # a function view may answer anything


def classification_problems(endpoints: list[Endpoint]) -> list[str]:
    """What keeps each endpoint from being held to its access by the generated tests."""
    problems: list[str] = []
    for endpoint in endpoints:
        problems.extend(_problems(endpoint))
    return problems


def _problems(endpoint: Endpoint) -> list[str]:
    label = endpoint.label
    view = getattr(endpoint.view, "__qualname__", repr(endpoint.view))
    if not endpoint.is_drf:
        return [NOT_DRF.format(endpoint=label, view=view)]
    problems = []
    if not issubclass(endpoint.view, DomainAPIView):
        problems.append(NOT_GATEWAY_VIEW.format(endpoint=label, view=view))
    if endpoint.name is None:
        problems.append(UNNAMED.format(endpoint=label))
    if endpoint.uses_regex:
        problems.append(NOT_A_ROUTE.format(endpoint=label))
    problems.extend(
        UNKNOWN_CONVERTER.format(endpoint=label, converter=type(converter).__name__, param=param)
        for param, converter in endpoint.converters.items()
        if type(converter) not in SAMPLE_VALUES
    )
    for method in endpoint.methods:
        access = endpoint.access(method)
        if not access:
            problems.append(UNCLASSIFIED.format(endpoint=label, view=view, method=method))
        elif len(access) > 1:
            declared = ", ".join(access)
            problems.append(AMBIGUOUS.format(endpoint=label, view=view, declared=declared, method=method))
        elif access[0] is Access.AUTHENTICATED and endpoint.params:
            params = ", ".join(endpoint.params)
            problems.append(OBJECT_NOT_OWNED.format(endpoint=label, view=view, method=method, params=params))
    return problems
