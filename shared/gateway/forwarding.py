"""Forwarding: a remote domain's /api/<domain>/ routes, answered by its service, streamed both ways.

    client --> edge (this process) --> catalog service --> edge --> client

The edge authenticates the caller and counts the request against the rate limits, as on
any route (the view derives from DomainAPIView), then sends it on to a live instance of
the domain's service, picked round robin past open circuits (the same instances, breakers
and keep-alive connections as the domain's interface client, shared.remote.binding):

- sent on: method, path and query, the body (streamed, never read whole), Authorization,
  Idempotency-Key, Content-Type, Accept and every other end-to-end header; X-Request-ID
  set to this request's correlation id; X-Forwarded-For, -Host and -Proto appended;
  hop-by-hop headers (Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade, Proxy-*,
  and those Connection names) dropped, both ways;
- proof that it comes from the edge: a service token made out to the domain
  (X-Service-Authorization), and with it the client's address and the rate-limit scopes
  the edge counted (X-Gateway-Client-IP, X-Gateway-Counted). The service trusts those two
  headers only beside a valid token, and then does not count those scopes again, so
  every request is counted once (shared/api/forwarded.py);
- the answer: its status, end-to-end headers and body, streamed as it arrives.

Failures, in the API's error shape: no live instance, every circuit open, or every
instance refusing connections is a 503 `kernel.service_unavailable` at once (a refused
connection reached nothing, so the next instance is tried first); a service that accepts
the connection but sends no answer within GATEWAY_FORWARD_TIMEOUT_SECONDS is a 504
`gateway.upstream_timeout` (not retried: the service may have acted).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import httpx
from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from purgatory.domain.model import OpenedState
from rest_framework import status
from rest_framework.request import Request

from shared.api.access import Public
from shared.api.errors import ApiError
from shared.api.forwarded import CLIENT_IP_HEADER, COUNTED_HEADER
from shared.api.throttling import AnonymousRateThrottle
from shared.api.views import DomainAPIView
from shared.correlation import REQUEST_ID_HEADER, current_correlation_id
from shared.errors import ServiceUnavailableError
from shared.remote.binding import service_client
from shared.remote.client import ServiceClient
from shared.remote.errors import ALL_CIRCUITS_OPEN, NO_INSTANCE, UNREACHABLE

logger = logging.getLogger(__name__)

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
NOT_SENT_ON = frozenset(
    {"host", "content-length", REQUEST_ID_HEADER.lower(), CLIENT_IP_HEADER.lower(), COUNTED_HEADER.lower()}
)
CHUNK_BYTES = 64 * 1024

TIMED_OUT_MESSAGE = (
    "The {domain} service did not answer within {seconds:g} seconds; the request may have been carried out. "
    "Check before you retry (an Idempotency-Key makes retrying safe)."
)
FORWARD_FAILED_LOG = "gateway.forward_failed"


class UpstreamTimeoutError(ApiError):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    code = "gateway.upstream_timeout"


class _Unreached(Exception):
    pass


def request_headers(request: HttpRequest, *, client_ip: str, counted: tuple[str, ...]) -> dict[str, str]:
    """The headers a forwarded request carries: end-to-end ones, the correlation id, X-Forwarded-*."""
    dropped = HOP_BY_HOP | NOT_SENT_ON | _named_by_connection(request.headers.get("Connection", ""))
    headers = {name: value for name, value in request.headers.items() if name.lower() not in dropped}
    prior = request.headers.get("X-Forwarded-For", "")
    remote_addr = request.META.get("REMOTE_ADDR", "")
    headers["X-Forwarded-For"] = f"{prior}, {remote_addr}" if prior else remote_addr
    headers["X-Forwarded-Host"] = request.get_host()
    headers["X-Forwarded-Proto"] = request.scheme or "http"
    headers[REQUEST_ID_HEADER] = current_correlation_id()
    headers[CLIENT_IP_HEADER] = client_ip
    headers[COUNTED_HEADER] = ",".join(counted)
    if request.META.get("CONTENT_LENGTH"):
        headers["Content-Length"] = request.META["CONTENT_LENGTH"]
    return headers


def response_headers(upstream: httpx.Response) -> list[tuple[str, str]]:
    dropped = HOP_BY_HOP | _named_by_connection(upstream.headers.get("Connection", ""))
    return [(name, value) for name, value in upstream.headers.multi_items() if name.lower() not in dropped]


def _named_by_connection(value: str) -> frozenset[str]:
    return frozenset(token.strip().lower() for token in value.split(",") if token.strip())


def _body(request: HttpRequest) -> Iterator[bytes]:
    while chunk := request.read(CHUNK_BYTES):
        yield chunk


def forward(request: HttpRequest, *, domain: str, client_ip: str, counted: tuple[str, ...]) -> StreamingHttpResponse:
    """Send `request` to a live instance of `domain`'s service and stream its answer back."""
    client = service_client(domain)
    headers = {**request_headers(request, client_ip=client_ip, counted=counted), **client.credentials.headers(domain)}
    has_body = bool(request.META.get("CONTENT_LENGTH"))
    body = _body(request) if has_body else None
    reason = ""
    for instance, breaker in client.pool.candidates():
        try:
            upstream = _send(client, breaker, f"{instance.url}{request.get_full_path()}", request.method, headers, body)
        except _Unreached as unreached:
            reason = str(unreached)
            continue  # nothing reached that instance (and no byte of the body was read): try the next
        return _streamed(upstream)
    where = client.pool.source.describe()
    if not reason:
        reason = (ALL_CIRCUITS_OPEN if client.pool.source.live() else NO_INSTANCE).format(where=where)
    raise ServiceUnavailableError(domain=domain, operation=f"{request.method} {request.path}", reason=reason)


def _send(
    client: ServiceClient,
    breaker: Any,
    url: str,
    method: str | None,
    headers: Mapping[str, str],
    body: Iterator[bytes] | None,
) -> httpx.Response:
    timeout = httpx.Timeout(settings.GATEWAY_FORWARD_TIMEOUT_SECONDS, connect=client.settings.connect_timeout_seconds)
    try:
        with client.pool.attempt(breaker):
            try:
                upstream_request = client.http.build_request(
                    method or "GET", url, headers=headers, content=body, timeout=timeout
                )
                return client.http.send(upstream_request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise _Unreached(UNREACHABLE.format(url=url, error=exc or type(exc).__name__)) from None
            except httpx.TimeoutException:
                logger.warning(FORWARD_FAILED_LOG, extra={"url": url, "error": "timeout"})
                message = TIMED_OUT_MESSAGE.format(
                    domain=client.domain, seconds=settings.GATEWAY_FORWARD_TIMEOUT_SECONDS
                )
                raise UpstreamTimeoutError(message) from None
    except OpenedState:
        raise _Unreached(ALL_CIRCUITS_OPEN.format(where=url)) from None


def _streamed(upstream: httpx.Response) -> StreamingHttpResponse:
    def chunks() -> Iterator[bytes]:
        try:
            yield from upstream.iter_raw(CHUNK_BYTES)
        finally:
            upstream.close()

    response = StreamingHttpResponse(chunks(), status=upstream.status_code)
    for name, value in response_headers(upstream):
        if name.lower() == REQUEST_ID_HEADER.lower():
            continue  # the correlation middleware sets it (to the id the service was given)
        response[name] = value
    return response


class RemoteDomainView(DomainAPIView):
    """Where a remote domain's routes are: the edge's checks, then forwarding to the domain's service.

    Public here because the service that serves the domain checks the caller's token and
    permissions itself (any service verifies tokens without the identity database); the
    edge authenticates only to count the caller against the right rate limits.
    """

    permission_classes = (Public,)
    schema = None  # the domain's operations come from its service's own schema (shared/gateway/schema.py)
    http_method_names: ClassVar[list[str]] = ["get", "post", "put", "patch", "delete", "head", "options"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication and rate limits, as on any route
        counted = tuple(throttle.scope for throttle in self.get_throttles() if throttle.get_cache_key(request, self))
        self.forwarding = {"client_ip": AnonymousRateThrottle().get_ident(request), "counted": counted}

    def _forward(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        return forward(request._request, domain=kwargs["route"].domain, **self.forwarding)

    get = post = put = patch = delete = head = options = _forward
