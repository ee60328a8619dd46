"""The remote half of the binder: a client for every domain the placement map runs elsewhere.

    bind_remote_domains(current_placement())      # shared.remote's AppConfig.ready() does this
    service_client("catalog")                     # the domain's ServiceClient (the gateway forwards with it)

One ServiceClient per remote domain and process, shared by the interface's client and the
gateway's forwarding: the same keep-alive connections, the same instances and the same
circuit breakers, so a service the interface found dead is failed fast by the gateway too.
"""

from __future__ import annotations

import functools
import threading

import redis
from django.conf import settings

from shared.interfaces.binding import bind_remote, domain_interface
from shared.interfaces.registry import Registry, registry
from shared.placement import AtUrls, Placement, Remote, current_placement
from shared.remote.client import ServiceClient, remote_client
from shared.remote.config import RemoteSettings
from shared.remote.credentials import current_credentials
from shared.remote.discovery import Announcer, RegistryInstances, ServiceRegistry
from shared.remote.health import check_health
from shared.remote.health import health_url as default_health_url
from shared.remote.instances import Instance, InstancePool, InstanceSource, StaticInstances

NOT_REMOTE = "Domain {domain!r} runs here (DOMAIN_PLACEMENT does not place it elsewhere): it has no service client."

_clients: dict[tuple[str, str], ServiceClient] = {}
_lock = threading.Lock()


def current_service_registry() -> ServiceRegistry:
    """The service registry of this process's settings (one Redis connection pool per URL)."""
    return _service_registry(
        settings.SERVICE_REGISTRY_URL, settings.SERVICE_REGISTRY_PREFIX, settings.SERVICE_TTL_SECONDS
    )


@functools.lru_cache(maxsize=4)
def _service_registry(url: str, prefix: str, ttl_seconds: float) -> ServiceRegistry:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1.0)
    return ServiceRegistry(client, prefix=prefix, ttl_seconds=ttl_seconds)


def instance_source(domain: str, where: Remote) -> InstanceSource:
    if isinstance(where, AtUrls):
        return StaticInstances(where.urls)
    return RegistryInstances(
        current_service_registry(), domain, refresh_seconds=settings.SERVICE_REGISTRY_REFRESH_SECONDS
    )


def build_service_client(domain: str, where: Remote, *, remote_settings: RemoteSettings | None = None) -> ServiceClient:
    """A new client of a domain's service, as the placement `where` says to reach it."""
    remote_settings = remote_settings or RemoteSettings.from_django()
    pool = InstancePool(
        domain,
        instance_source(domain, where),
        failures=remote_settings.breaker_failures,
        reset_seconds=remote_settings.breaker_reset_seconds,
    )
    return ServiceClient(
        domain=domain,
        pool=pool,
        credentials=current_credentials(),
        settings=remote_settings,
        known_errors=registry.error_types,
    )


def service_client(domain: str) -> ServiceClient:
    """This process's client of a remote domain's service (built on first use, then shared).

    Kept per placement of the domain, so a placement changed for a test gets its own client.
    """
    placement = current_placement()
    if placement.is_local(domain):
        raise LookupError(NOT_REMOTE.format(domain=domain))
    where = placement.remote[domain]
    key = (domain, str(where))
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key) or build_service_client(domain, where)
            _clients[key] = client
    return client


def bind_remote_domains(placement: Placement, into: Registry = registry) -> None:
    """Bind a remote client to the interface of every domain the placement runs elsewhere."""
    for domain in placement.remote:
        interface = domain_interface(domain)
        bind_remote(interface, remote_client(interface, service_client(domain)), into=into)


def local_announcer(url: str, *, health_url: str = "", version: str = "", interval: float | None = None) -> Announcer:
    """Announces this deployment's local domains at `url` while its health URL answers 200."""
    health = health_url or default_health_url(url)
    instance = Instance(
        url=url.rstrip("/"), id=url.rstrip("/"), version=version or settings.SERVICE_VERSION, health_url=health
    )
    return Announcer(
        current_service_registry(),
        services=current_placement().local_domains,
        instance=instance,
        interval=interval or settings.SERVICE_HEARTBEAT_SECONDS,
        healthy=lambda: check_health(health).ok,
    )
