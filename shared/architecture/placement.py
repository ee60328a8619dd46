"""Where each domain runs, as this process sees it: `local`, `remote` (a client is bound), or its service's URL.

Read from the gateway's route table (the one placement map: GATEWAY_REMOTE_DOMAINS today)
and from what the registry bound (a remote client says `__modulith_placement__ = "remote"`).
"""

from __future__ import annotations

from shared.gateway.routing import RemoteRoute, served_routes
from shared.interfaces import observation, registry

LOCAL = observation.LOCAL
NOT_BOUND = "not bound here"


def placement_of(domain: str) -> str:
    for route in served_routes():
        if isinstance(route, RemoteRoute) and route.domain == domain:
            return route.base_url
    try:
        target = registry.get(domain).target
    except LookupError:
        return NOT_BOUND
    return NOT_BOUND if target is None else observation.placement_of(target)
