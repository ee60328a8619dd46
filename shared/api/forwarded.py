"""Requests the edge forwarded: who the client was, and which rate limits the edge already counted.

When a domain runs in a service of its own, the gateway (the edge, shared/gateway/forwarding.py)
authenticates each request, counts it against the rate limits and sends it on, adding:

    X-Service-Authorization: Bearer <service token made out to the domain>
    X-Gateway-Client-IP:     the client's address as the edge saw it
    X-Gateway-Counted:       the scopes it counted the request against ("anon", or "user")

The service believes the two X-Gateway headers only beside a service token that verifies and
is made out to the domain the request is for (its path, /api/<domain>/...); without one they
are ignored and the request is counted as any other. A believed request is not counted
again in those scopes, and the scopes the edge cannot know (a view's own, such as login's)
count it under the client's address, not the edge's: each limit counts each request once.
"""

from __future__ import annotations

import dataclasses

from django.http.request import HttpHeaders
from rest_framework.request import Request

from shared.auth.service_tokens import SERVICE_TOKEN_HEADER, ServiceTokenError, current_service_verifier

CLIENT_IP_HEADER = "X-Gateway-Client-IP"
COUNTED_HEADER = "X-Gateway-Counted"
API_PREFIX = "/api/"

_NOT_FORWARDED = object()


# Where the headers are in request.META (X-Gateway-Counted is HTTP_X_GATEWAY_COUNTED).
_SERVICE_TOKEN_META = HttpHeaders.to_wsgi_name(SERVICE_TOKEN_HEADER)
_CLIENT_IP_META = HttpHeaders.to_wsgi_name(CLIENT_IP_HEADER)
_COUNTED_META = HttpHeaders.to_wsgi_name(COUNTED_HEADER)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Forwarded:
    """What the edge says about a request it forwarded."""

    client_ip: str
    counted: frozenset[str]


def forwarded_by_edge(request: Request) -> Forwarded | None:
    """The edge's word on this request, when a valid service token for its domain vouches for it."""
    django_request = request._request
    cached = getattr(django_request, "_forwarded_by_edge", _NOT_FORWARDED)
    if cached is not _NOT_FORWARDED:
        return cached  # type: ignore[no-any-return]
    found = _verified(request)
    django_request._forwarded_by_edge = found  # type: ignore[attr-defined]
    return found


def _verified(request: Request) -> Forwarded | None:
    # META, not request.headers: this runs on every rate-limited request, nearly all of them
    # not forwarded, and request.headers copies every header the first time it is read.
    meta = request.META
    header = meta.get(_SERVICE_TOKEN_META)
    client_ip = meta.get(_CLIENT_IP_META, "")
    if not header or not client_ip or not request.path.startswith(API_PREFIX):
        return None
    domain = request.path[len(API_PREFIX) :].split("/", 1)[0]
    try:
        current_service_verifier().verify_header(header, audience=domain)
    except ServiceTokenError:
        return None
    counted = meta.get(_COUNTED_META, "")
    return Forwarded(client_ip=client_ip, counted=frozenset(scope for scope in counted.split(",") if scope))
