"""Every HTTP request measured and logged as the work of a domain and a user.

First in MIDDLEWARE, so that it times the whole request and its log scope covers every
line written for it, Django's own "Not Found: ..." lines included:

- counts and times the request per route name (`catalog:product-list`; `unmatched` when no
  route matched, so scanners cannot grow the label set), method and status;
- opens the request's log scope (shared.work_context): the domain is the one
  whose route matched, the user is bound when the request authenticates (an API token,
  in shared.api.views; a session, here, for /admin/ and the architecture page);
- with several processes sharing PROMETHEUS_MULTIPROC_DIR, writes this process's interface
  call tallies out after each request, so that whichever process answers /metrics has them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from shared.boundaries.domains import domain_of_label
from shared.observability.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS, flush_interface_calls, is_multiprocess
from shared.work_context import bind, log_scope

UNMATCHED_ROUTE = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"


class ObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.multiprocess = is_multiprocess()
        # The labelled series by (route, method, status): looked up once each, not on every request.
        self._series: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        with log_scope():
            response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.view_name if match is not None and match.view_name else UNMATCHED_ROUTE
        method = request.method if request.method in METHODS else OTHER_METHOD
        key = (route, method, str(response.status_code))
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (HTTP_REQUESTS.labels(*key), HTTP_REQUEST_SECONDS.labels(route, method))
        series[0].inc()
        series[1].observe(time.perf_counter() - started)
        if self.multiprocess:
            flush_interface_calls()
        return response

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> None:
        # The session's user first, before the request becomes its domain's work: loading it is the
        # edge's job, and its table is identity's (the table guard would refuse it as catalog's SQL).
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = getattr(request, "user", None)  # the session's user (AuthenticationMiddleware), loaded here
            if user is not None and user.is_authenticated:
                bind(user_id=user.pk)
        match = request.resolver_match
        domain = domain_of_label(match.namespaces[0]) if match is not None and match.namespaces else None
        if domain:
            bind(domain=domain)
