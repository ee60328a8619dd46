"""Which dependencies this process's readiness probe checks: wiring, from the settings and the route table.

- every database in DATABASES (`database:<alias>`);
- every cache on Redis (`cache:<alias>`: shared rate limits with RATE_LIMIT_CACHE_URL=redis://...);
- the broker with BUS_TRANSPORT=celery (`broker`: REDIS_URL);
- the service serving each remote domain of the route table (`service:<domain>`: its /healthz/live).

All are required unless listed in HEALTH_OPTIONAL_CHECKS (e.g. `broker`: requests keep
succeeding while the broker is down, their events wait in the outbox).
"""

from __future__ import annotations

from django.conf import settings

from shared.gateway.routing import RemoteRoute, served_routes
from shared.observability.health import Check, database_probe, http_probe, redis_probe

REMOTE_HEALTH_PATH = "/healthz/live"


def readiness_checks() -> list[Check]:
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    optional = set(settings.HEALTH_OPTIONAL_CHECKS)
    probes = {f"database:{alias}": database_probe(alias) for alias in settings.DATABASES}
    for alias, cache in settings.CACHES.items():
        if "redis" in cache["BACKEND"].lower():
            location = cache["LOCATION"]
            url = location if isinstance(location, str) else location[0]
            probes[f"cache:{alias}"] = redis_probe(url, timeout=timeout)
    if settings.BUS_TRANSPORT == "celery":
        probes["broker"] = redis_probe(settings.REDIS_URL, timeout=timeout)
    for route in served_routes():
        if isinstance(route, RemoteRoute):
            probes[f"service:{route.domain}"] = http_probe(f"{route.base_url}{REMOTE_HEALTH_PATH}", timeout=timeout)
    return [Check(name=name, probe=probe, required=name not in optional) for name, probe in probes.items()]
