"""The remote client: the same `catalog.get_product(...)`, answered by the catalog service over HTTP.

    client = remote_client(catalog_interface, ServiceClient(domain="catalog", pool=..., ...))
    registry.bind(catalog, client)       # what the binder does for DOMAIN_PLACEMENT=catalog=<url>

`remote_client` generates one class per Protocol with one method per operation; each call
goes through the domain's ServiceClient:

1. the arguments are checked against the Protocol and encoded (shared.interfaces.codec):
   a wrong type fails here, before anything is sent;
2. POST <instance>/internal/<domain>/<operation>/ on a pooled keep-alive connection
   (httpx), with the service token made out to the domain (X-Service-Authorization), the
   correlation id (X-Request-ID), and for operations marked @creates a request id
   (X-Service-Request-ID) that every retry of this call reuses;
3. a 200's body decodes to the declared result type; a problem document's code to the
   domain error of that code (the same class the service raised), kernel errors too; a
   code nobody here declares is an UnknownRemoteError (shared/remote/errors.py).

Failures, and when a call is sent again (at most REMOTE_RETRY_ATTEMPTS attempts, all
within REMOTE_CALL_TIMEOUT_SECONDS, each attempt to the next instance round robin, backoff
doubling from REMOTE_RETRY_BACKOFF_SECONDS with jitter):

- connection refused or connect timeout: nothing reached the service, so any operation
  is tried again (on another instance first);
- timeout, broken connection, a 5xx that is not a domain error: the service may have
  acted, so only operations marked @idempotent or @creates are sent again; others raise
  ServiceUnavailableError at once ("the operation may not have happened");
- no live instance, or every instance's circuit open: ServiceUnavailableError at once,
  without touching the network.

Every attempt is counted (`client.service_client.stats`), so tests and metrics see retries.

The retry loop is written here rather than with a retry library: whether to try again
depends on what failed (unreached or maybe acted), on the operation's mark and on which
instances are left, and each attempt picks its own instance and breaker.
"""

from __future__ import annotations

import random
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpx
import msgspec
from purgatory.domain.model import OpenedState

from shared import wire
from shared.correlation import outgoing_headers
from shared.errors import DomainError, ServiceUnavailableError, error_from_wire
from shared.interfaces.codec import OperationCodec, operation_codecs
from shared.interfaces.observation import PLACEMENT_ATTRIBUTE, REMOTE
from shared.interfaces.proxy import Interface
from shared.remote.config import RemoteSettings
from shared.remote.credentials import ServiceCredentials
from shared.remote.errors import (
    ALL_CIRCUITS_OPEN,
    ATTEMPTS,
    BAD_RESULT,
    CONNECTION_LOST,
    IN_FLIGHT,
    NO_INSTANCE,
    NOT_OURS,
    REFUSED,
    SERVER_FAILED,
    TIMED_OUT,
    UNKNOWN_CODE,
    UNREACHABLE,
    RemoteCallRefusedError,
    RemoteProtocolError,
    UnknownRemoteError,
)
from shared.remote.instances import Breaker, Instance, InstancePool
from shared.remote.protocol import (
    IN_FLIGHT_CODE,
    SERVICE_REQUEST_ID_HEADER,
    SERVICE_TOKEN_CODE_PREFIX,
    internal_path,
)

KnownErrors = Callable[[], Mapping[str, type[DomainError]]]

_call_timeout: ContextVar[float | None] = ContextVar("remote_call_timeout", default=None)


@contextmanager
def call_timeout(seconds: float) -> Iterator[None]:
    """Give the remote calls made in this block `seconds` each instead of REMOTE_CALL_TIMEOUT_SECONDS.

    with call_timeout(0.3):
        product = catalog.get_product(product_id=product_id)   # ServiceUnavailableError after 0.3 s
    """
    token = _call_timeout.set(seconds)
    try:
        yield
    finally:
        _call_timeout.reset(token)


class _Unreached(Exception):
    """Nothing reached the service (connection refused, connect timeout): safe to send again."""


class _Failed(Exception):
    """The service may have acted (timeout, broken connection, 5xx): only retry-safe calls go again."""


class _Busy(Exception):
    """The service is alive but still runs this call's first attempt (a @creates request id in flight)."""


class CallStats:
    """What a service client did, per operation: calls, attempts, retries, unavailable, fast failures."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def add(self, operation: str, what: str) -> None:
        with self._lock:
            self._counts[(operation, what)] += 1

    def get(self, operation: str, what: str) -> int:
        return self._counts[(operation, what)]

    def snapshot(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for (operation, what), count in sorted(self._counts.items()):
            found.setdefault(operation, {})[what] = count
        return found


class ServiceClient:
    """The connection of this process to one domain's service: instances, breakers, pooled HTTP, credentials."""

    def __init__(
        self,
        *,
        domain: str,
        pool: InstancePool,
        credentials: ServiceCredentials,
        settings: RemoteSettings,
        known_errors: KnownErrors,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.domain = domain
        self.pool = pool
        self.credentials = credentials
        self.settings = settings
        self.known_errors = known_errors
        self.stats = CallStats()
        self.http = httpx.Client(
            timeout=httpx.Timeout(settings.call_timeout_seconds, connect=settings.connect_timeout_seconds),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            transport=transport or pooled_transport(settings),
            follow_redirects=False,
        )

    def close(self) -> None:
        self.http.close()

    # -- one call ------------------------------------------------------------------

    def call(self, codec: OperationCodec, arguments: Mapping[str, Any]) -> Any:
        body = codec.encode_arguments(arguments)
        headers = outgoing_headers(self.credentials.headers(self.domain))
        if codec.creates:
            headers[SERVICE_REQUEST_ID_HEADER] = uuid.uuid4().hex  # one id for the call and all its retries
        path = internal_path(codec.interface, codec.operation)
        name = codec.name
        budget = _call_timeout.get() or self.settings.call_timeout_seconds
        deadline = time.monotonic() + budget
        self.stats.add(name, "calls")
        reason = ""
        attempts = 0
        while attempts < self.settings.retry_attempts:
            remaining = deadline - time.monotonic()
            candidates = self.pool.candidates()
            if remaining <= 0 or not candidates:
                reason = reason or self._why_no_candidate()
                break
            instance, breaker = candidates[0]
            attempts += 1
            self.stats.add(name, "attempts")
            if attempts > 1:
                self.stats.add(name, "retries")
            try:
                response = self._attempt(instance, breaker, path, body, headers, remaining)
            except _Unreached as unreached:
                reason = str(unreached)
                if len(candidates) > 1:
                    continue  # another instance is there: no reason to wait
            except (_Failed, _Busy) as failed:
                reason = str(failed)
                if not codec.retry_safe:
                    break
            else:
                return self._outcome(codec, instance, response)
            self._back_off(attempts, deadline)
        self.stats.add(name, "unavailable")
        if attempts == 0:
            self.stats.add(name, "failed_fast")  # no instance to try: the network was not touched
        raise ServiceUnavailableError(
            domain=self.domain, operation=name, reason=ATTEMPTS.format(reason=reason, attempts=attempts)
        )

    def _why_no_candidate(self) -> str:
        where = self.pool.source.describe()
        return (ALL_CIRCUITS_OPEN if self.pool.source.live() else NO_INSTANCE).format(where=where)

    def _back_off(self, attempts: int, deadline: float) -> None:
        wait = self.settings.retry_backoff_seconds * 2 ** (attempts - 1) * random.uniform(0.5, 1.0)
        time.sleep(max(0.0, min(wait, deadline - time.monotonic())))

    def _attempt(
        self,
        instance: Instance,
        breaker: Breaker,
        path: str,
        body: bytes,
        headers: Mapping[str, str],
        remaining: float,
    ) -> httpx.Response:
        """One exchange with one instance, its breaker told of failures; 4xx and domain errors are no failures."""
        try:
            with self.pool.attempt(breaker):
                response = self._exchange(instance.url + path, body, headers, remaining)
                if response.status_code >= 500 and self._problem_code(response) not in self.known_errors():
                    raise _Failed(
                        SERVER_FAILED.format(
                            url=instance.url, status=response.status_code, code=self._problem_code(response) or "-"
                        )
                    )
        except OpenedState:
            raise _Unreached(ALL_CIRCUITS_OPEN.format(where=instance.url)) from None
        if response.status_code == 409 and self._problem_code(response) == IN_FLIGHT_CODE:
            raise _Busy(IN_FLIGHT.format(url=instance.url))
        return response

    def _exchange(self, url: str, body: bytes, headers: Mapping[str, str], remaining: float) -> httpx.Response:
        timeout = httpx.Timeout(remaining, connect=min(self.settings.connect_timeout_seconds, remaining))
        try:
            return self.http.post(url, content=body, headers=headers, timeout=timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
            raise _Unreached(UNREACHABLE.format(url=url, error=exc or type(exc).__name__)) from None
        except httpx.TimeoutException:
            raise _Failed(TIMED_OUT.format(url=url, seconds=remaining)) from None
        except httpx.TransportError as exc:
            raise _Failed(CONNECTION_LOST.format(url=url, error=exc or type(exc).__name__)) from None

    # -- the answer ----------------------------------------------------------------

    def _outcome(self, codec: OperationCodec, instance: Instance, response: httpx.Response) -> Any:
        if response.status_code == 200:
            try:
                return codec.decode_result(response.content)
            except wire.WireFormatError as exc:
                message = BAD_RESULT.format(operation=codec.name, problem=exc)
                raise self._protocol_error(codec, response, message) from None
        problem = self._problem(response)
        code = str(problem.get("code", ""))
        known = self.known_errors()
        detail = str(problem.get("detail", ""))
        if code in known:
            try:
                error = error_from_wire(problem, known)
            except wire.WireFormatError as exc:
                message = BAD_RESULT.format(operation=codec.name, problem=exc)
                raise self._protocol_error(codec, response, message) from None
            raise error
        if code.startswith(SERVICE_TOKEN_CODE_PREFIX):
            message = REFUSED.format(domain=self.domain, status=response.status_code, code=code, detail=detail)
            raise RemoteCallRefusedError(
                message, domain=self.domain, operation=codec.name, status=response.status_code, code=code
            )
        if not code:
            body = response.text[:200]
            message = NOT_OURS.format(operation=codec.name, url=instance.url, status=response.status_code, body=body)
            raise self._protocol_error(codec, response, message)
        message = UNKNOWN_CODE.format(operation=codec.name, code=code, status=response.status_code, detail=detail)
        raise UnknownRemoteError(
            message, domain=self.domain, operation=codec.name, status=response.status_code, code=code
        )

    def _protocol_error(self, codec: OperationCodec, response: httpx.Response, message: str) -> RemoteProtocolError:
        return RemoteProtocolError(message, domain=self.domain, operation=codec.name, status=response.status_code)

    @staticmethod
    def _problem(response: httpx.Response) -> dict[str, Any]:
        try:
            body = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            return {}
        return body if isinstance(body, dict) else {}

    def _problem_code(self, response: httpx.Response) -> str:
        return str(self._problem(response).get("code", ""))


def pooled_transport(settings: RemoteSettings) -> httpx.HTTPTransport:
    """Keep-alive connections, with TCP_NODELAY: httpx writes a request's headers and body apart,
    and Nagle's algorithm would hold the body back until the headers were acknowledged."""
    return httpx.HTTPTransport(
        limits=httpx.Limits(
            max_connections=settings.pool_connections * 4, max_keepalive_connections=settings.pool_connections
        ),
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
    )


def remote_client(interface: Interface, service: ServiceClient) -> object:
    """An object with the Protocol's operations, each a call to the domain's service."""
    meta = interface.meta
    methods: dict[str, Any] = {
        operation: _remote_method(codec, service) for operation, codec in operation_codecs(meta).items()
    }
    methods["service_client"] = service
    methods[PLACEMENT_ATTRIBUTE] = REMOTE  # the interface proxy's metrics label its calls remote
    methods["__repr__"] = lambda self: f"<remote client of {meta.name} at {service.pool.source.describe()}>"
    return type(f"{meta.protocol.__name__}RemoteClient", (), methods)()


def _remote_method(codec: OperationCodec, service: ServiceClient) -> Callable[..., Any]:
    def call(self: object, /, **arguments: Any) -> Any:
        return service.call(codec, arguments)

    call.__name__ = call.__qualname__ = codec.operation
    return call
