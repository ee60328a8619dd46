"""GET /metrics: every metric of this process (or of all processes sharing PROMETHEUS_MULTIPROC_DIR), for Prometheus.

Who may read it (metrics name routes, domains, subscribers and error rates, which is
reconnaissance for an attacker):

    METRICS_TOKEN set       only `Authorization: Bearer <METRICS_TOKEN>`; in prometheus.yml:
                            `authorization: {credentials_file: /run/secrets/metrics-token}`
    METRICS_TOKEN unset     anyone when METRICS_PUBLIC is on (the development default), else
                            nobody: 403 saying to set METRICS_TOKEN (DJANGO_ENV=production)

Collectors that read the database (the outbox backlog) run at scrape time, in the
process that answers; the composition root passes them in (config/urls.py).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from shared.observability.metrics import flush_interface_calls, is_multiprocess

METRICS_TOKEN_REQUIRED = (
    "/metrics needs `Authorization: Bearer <token>` with the value of METRICS_TOKEN "
    "(in prometheus.yml: `authorization: {credentials_file: ...}`)."
)
METRICS_TOKEN_NOT_SET = (
    "/metrics is closed: set METRICS_TOKEN to a long random value and give Prometheus the same "
    "token, or set METRICS_PUBLIC=true if only trusted networks reach this server."
)


def metrics_view(*, collectors: Sequence[Collector] = ()) -> Callable[[HttpRequest], HttpResponse]:
    """The /metrics view, also exposing `collectors` (read at scrape time, in this process)."""

    @require_GET
    def metrics(request: HttpRequest) -> HttpResponse:
        refusal = _refusal(request)
        if refusal is not None:
            return refusal
        return HttpResponse(generate_latest(scrape_registry(collectors)), content_type=CONTENT_TYPE_LATEST)

    return metrics


def scrape_registry(collectors: Sequence[Collector] = ()) -> CollectorRegistry:
    """What a scrape reads: this process's metrics (or every process's, in multiprocess mode) and `collectors`."""
    flush_interface_calls()
    registry = CollectorRegistry(auto_describe=False)
    if is_multiprocess():
        MultiProcessCollector(registry)
    else:
        registry.register(_Everything())
    for collector in collectors:
        registry.register(collector)
    return registry


class _Everything(Collector):
    """The process-wide registry's metrics, so that a scrape registry can add its own collectors beside them."""

    def collect(self):  # type: ignore[no-untyped-def]
        return REGISTRY.collect()


def _refusal(request: HttpRequest) -> HttpResponse | None:
    token = settings.METRICS_TOKEN
    if not token:
        if settings.METRICS_PUBLIC:
            return None
        return HttpResponse(METRICS_TOKEN_NOT_SET, status=403, content_type="text/plain; charset=utf-8")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return None
    response = HttpResponse(METRICS_TOKEN_REQUIRED, status=401, content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response
