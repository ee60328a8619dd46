"""Liveness and readiness: is this process up, and can it do its work right now?

    GET /healthz/live    200 {"status": "ok"} while the process answers at all (restart it otherwise)
    GET /healthz/ready   200 when every required dependency answers, 503 when one does not:

    {"status": "unavailable",
     "checks": {"database:default": {"status": "up", "required": true, "latency_ms": 0.8},
                "broker": {"status": "down", "required": true, "latency_ms": 1001.2,
                           "error": "TimeoutError: Timeout connecting to server"}}}

A check that is not required reports the same way but only makes the status `degraded`
(still 200). Which checks a process runs is wiring (config/health.py): its databases,
Redis where configured, the broker with BUS_TRANSPORT=celery, and the services that serve
its remote domains. Each check has a timeout, so a frozen dependency costs the probe
that timeout, not the probe's own.
"""

from __future__ import annotations

import dataclasses
import enum
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable

import redis
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

UNEXPECTED_HEALTH_STATUS = "answered {status} at {url}"

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""Service to service: never through an HTTP proxy from the environment."""


class Status(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    """A dependency that is not required is down: the process serves, with something missing."""
    UNAVAILABLE = "unavailable"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """A dependency to probe: `probe()` returns when it answers and raises when it does not."""

    name: str
    probe: Callable[[], object]
    required: bool = True


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    name: str
    up: bool
    required: bool
    latency_ms: float
    error: str = ""

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {
            "status": "up" if self.up else "down",
            "required": self.required,
            "latency_ms": round(self.latency_ms, 1),
        }
        if self.error:
            body["error"] = self.error
        return body


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Readiness:
    status: Status
    results: tuple[CheckResult, ...]

    def as_json(self) -> dict[str, object]:
        return {"status": str(self.status), "checks": {r.name: r.as_json() for r in self.results}}


def run_check(check: Check) -> CheckResult:
    started = time.perf_counter()
    try:
        check.probe()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        return CheckResult(
            name=check.name, up=False, required=check.required, latency_ms=_since(started), error=error[:300]
        )
    return CheckResult(name=check.name, up=True, required=check.required, latency_ms=_since(started))


def readiness(checks: Iterable[Check]) -> Readiness:
    results = tuple(run_check(check) for check in checks)
    if any(not r.up and r.required for r in results):
        status = Status.UNAVAILABLE
    elif any(not r.up for r in results):
        status = Status.DEGRADED
    else:
        status = Status.OK
    return Readiness(status=status, results=results)


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


# -- probes ---------------------------------------------------------------------------


def database_probe(alias: str) -> Callable[[], object]:
    """One round trip on the database `alias` (connecting first if needed)."""

    def probe() -> object:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()

    return probe


def redis_probe(url: str, *, timeout: float) -> Callable[[], object]:
    """PING on a fresh connection: what a new connection from this process would meet."""

    def probe() -> object:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            return client.ping()
        finally:
            client.close()

    return probe


def http_probe(url: str, *, timeout: float) -> Callable[[], object]:
    """GET `url` (another service's /healthz/live): up when it answers 2xx within the timeout."""

    def probe() -> object:
        try:
            with _DIRECT.open(url, timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            raise ConnectionError(UNEXPECTED_HEALTH_STATUS.format(status=exc.code, url=url)) from None

    return probe


# -- views ----------------------------------------------------------------------------


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": str(Status.OK)})


def ready_view(checks: Callable[[], Iterable[Check]]) -> Callable[[HttpRequest], JsonResponse]:
    """The readiness view over the checks `checks()` lists (read on every probe, so settings overrides apply)."""

    @never_cache
    @require_GET
    def ready(request: HttpRequest) -> JsonResponse:
        result = readiness(checks())
        return JsonResponse(result.as_json(), status=503 if result.status is Status.UNAVAILABLE else 200)

    return ready
