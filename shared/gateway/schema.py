"""The OpenAPI schema at the edge shows every domain's operations, also those of domains placed elsewhere.

A domain placed elsewhere has no views in this process (its code is not installed), so the
edge asks a live instance of its service for its schema (GET <instance>/api/schema/?format=json,
public), and merges in the paths under /api/<domain>/ and the components they use that the
edge's own schema lacks, each operation with the 504 the edge answers when the service
does not start answering in time (`gateway.upstream_timeout`). Schemas are kept for
SCHEMA_CACHE_SECONDS per domain. If no instance answers, the schema says so in its
description, naming the domain and why, rather than silently leaving its operations out.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import msgspec

from shared.placement import current_placement
from shared.remote.binding import service_client

SCHEMA_PATH = "/api/schema/?format=json"
SCHEMA_CACHE_SECONDS = 60.0
SCHEMA_TIMEOUT_SECONDS = 5.0
MISSING_DOMAIN = (
    "\n\n**Not shown: the operations of {domain}**, which runs in its own service: its schema could not be "
    "fetched ({reason}). Reload when the service is back."
)

UPSTREAM_TIMEOUT = {
    "description": (
        "The domain's service did not start answering within GATEWAY_FORWARD_TIMEOUT_SECONDS "
        "(`gateway.upstream_timeout`)."
    ),
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
"""What the edge adds to every operation it forwards to another service."""

_cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def merge_remote_schemas(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: each remote domain's paths and components, from its service."""
    for domain in current_placement().remote:
        try:
            remote = _remote_schema(domain)
        except (httpx.HTTPError, msgspec.DecodeError, LookupError) as exc:
            result["info"]["description"] = result["info"].get("description", "") + MISSING_DOMAIN.format(
                domain=domain, reason=f"{type(exc).__name__}: {exc}"
            )
            continue
        prefix = f"/api/{domain}/"
        result.setdefault("paths", {}).update(
            {path: _forwarded(item) for path, item in remote.get("paths", {}).items() if path.startswith(prefix)}
        )
        for section, members in remote.get("components", {}).items():
            known = result.setdefault("components", {}).setdefault(section, {})
            for name, member in members.items():
                known.setdefault(name, member)
    result["paths"] = dict(sorted(result.get("paths", {}).items()))
    return result


def _forwarded(item: dict[str, Any]) -> dict[str, Any]:
    """A path of the service's schema as the edge serves it: each operation may also time out at the edge."""
    return {
        method: {**operation, "responses": {**operation.get("responses", {}), "504": UPSTREAM_TIMEOUT}}
        if isinstance(operation, dict) and "responses" in operation
        else operation
        for method, operation in item.items()
    }


def _remote_schema(domain: str) -> dict[str, Any]:
    key = (domain, str(current_placement().where(domain)))
    cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < SCHEMA_CACHE_SECONDS:
        return cached[1]
    client = service_client(domain)
    candidates = client.pool.candidates()
    if not candidates:
        raise LookupError(f"no live instance of the {domain} service")
    instance = candidates[0][0]
    response = client.http.get(f"{instance.url}{SCHEMA_PATH}", timeout=SCHEMA_TIMEOUT_SECONDS)
    response.raise_for_status()
    schema = msgspec.json.decode(response.content)
    with _lock:
        _cache[key] = (time.monotonic(), schema)
    return schema  # type: ignore[no-any-return]
