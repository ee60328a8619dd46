"""The service registry: instances announce themselves in Redis with a heartbeat; clients read the live ones.

    DOMAIN_PLACEMENT=billing=registry      clients find billing's instances here

Keys, under SERVICE_REGISTRY_PREFIX (default `modulith:services:`) on SERVICE_REGISTRY_URL
(default REDIS_URL):

    <prefix>names                 set: every service name that has registered
    <prefix><name>:instances      hash: instance id -> JSON {url, version, health_url, registered_at, heartbeat_at}
    <prefix><name>:expiries       sorted set: instance id -> when its last heartbeat runs out (heartbeat + TTL)

An instance is live while its last heartbeat is younger than SERVICE_TTL_SECONDS; one that
stops beating (killed, frozen, partitioned) drops out of every client's list within that
time, and an orderly shutdown deregisters at once. `python manage.py services announce`
(or the gunicorn hooks in config/gunicorn.conf.py) keeps an instance registered while its
health URL answers; `python manage.py services` lists services, instances and health.

Clients read the list at most every SERVICE_REGISTRY_REFRESH_SECONDS. If Redis cannot be
read, the last list read is used until its entries' heartbeats run out, then none: a
registry outage alone does not stop calls to instances that are alive. Static URLs
(`catalog=http://...`) need no registry and no Redis at all.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence

import redis

from shared.observability.metrics import record_heartbeat
from shared.remote.instances import Instance

logger = logging.getLogger(__name__)

REGISTRY_UNREADABLE_LOG = "remote.registry_unreadable"
ANNOUNCE_FAILED_LOG = "remote.announce_failed"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Registration:
    """An instance as the registry holds it, live or not."""

    service: str
    instance: Instance
    registered_at: float
    heartbeat_at: float
    expires_at: float

    def is_live(self, now: float) -> bool:
        return self.expires_at > now


class ServiceRegistry:
    """Reads and writes registrations in Redis."""

    def __init__(
        self, client: redis.Redis, *, prefix: str, ttl_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def _instances_key(self, service: str) -> str:
        return f"{self.prefix}{service}:instances"

    def _expiries_key(self, service: str) -> str:
        return f"{self.prefix}{service}:expiries"

    def register(self, service: str, instance: Instance) -> None:
        """Add (or refresh) an instance: a heartbeat that also writes its details."""
        now = self._clock()
        existing = self.client.hget(self._instances_key(service), instance.id)
        registered_at = json.loads(existing)["registered_at"] if existing else now
        details = {
            "url": instance.url,
            "version": instance.version,
            "health_url": instance.health_url,
            "registered_at": registered_at,
            "heartbeat_at": now,
        }
        pipe = self.client.pipeline()
        pipe.sadd(f"{self.prefix}names", service)
        pipe.hset(self._instances_key(service), instance.id, json.dumps(details))
        pipe.zadd(self._expiries_key(service), {instance.id: now + self.ttl_seconds})
        pipe.execute()

    def deregister(self, service: str, instance_id: str) -> None:
        pipe = self.client.pipeline()
        pipe.hdel(self._instances_key(service), instance_id)
        pipe.zrem(self._expiries_key(service), instance_id)
        pipe.execute()

    def services(self) -> list[str]:
        return sorted(name.decode() for name in self.client.smembers(f"{self.prefix}names"))

    def registrations(self, service: str) -> list[Registration]:
        """Every instance the registry holds for `service`, live or not, oldest registration first."""
        expiries = dict(self.client.zrange(self._expiries_key(service), 0, -1, withscores=True))
        found = []
        for instance_id, raw in self.client.hgetall(self._instances_key(service)).items():
            details = json.loads(raw)
            instance = Instance(
                url=details["url"],
                id=instance_id.decode(),
                version=details["version"],
                health_url=details["health_url"],
            )
            found.append(
                Registration(
                    service=service,
                    instance=instance,
                    registered_at=details["registered_at"],
                    heartbeat_at=details["heartbeat_at"],
                    expires_at=expiries.get(instance_id, 0.0),
                )
            )
        return sorted(found, key=lambda r: (r.registered_at, r.instance.id))

    def live(self, service: str) -> list[Instance]:
        now = self._clock()
        return [r.instance for r in self.registrations(service) if r.is_live(now)]

    def forget_dead(self, service: str) -> int:
        """Remove the registrations whose heartbeat ran out; returns how many."""
        now = self._clock()
        dead = list(self.client.zrangebyscore(self._expiries_key(service), "-inf", now))
        if dead:
            self.deregister_many(service, [member.decode() for member in dead])
        return len(dead)

    def deregister_many(self, service: str, instance_ids: Sequence[str]) -> None:
        pipe = self.client.pipeline()
        pipe.hdel(self._instances_key(service), *instance_ids)
        pipe.zrem(self._expiries_key(service), *instance_ids)
        pipe.execute()


class RegistryInstances:
    """A domain's live instances from the registry (an InstanceSource), read at most every `refresh_seconds`."""

    def __init__(
        self,
        registry: ServiceRegistry,
        service: str,
        *,
        refresh_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry
        self.service = service
        self._refresh = refresh_seconds
        self._clock = clock
        self._read_at = float("-inf")
        self._known: list[Registration] = []
        self._lock = threading.Lock()

    def live(self) -> Sequence[Instance]:
        now = self._clock()
        if now - self._read_at >= self._refresh:
            with self._lock:
                if now - self._read_at >= self._refresh:
                    self._read(now)
        return [r.instance for r in self._known if r.is_live(now)]

    def _read(self, now: float) -> None:
        try:
            self._known = self.registry.registrations(self.service)
        except redis.RedisError as exc:
            logger.warning(REGISTRY_UNREADABLE_LOG, extra={"service": self.service, "error": str(exc)})
        self._read_at = now

    def describe(self) -> str:
        return f"service registry entry {self.service!r}"


class Announcer:
    """Keeps one instance registered under its services while `healthy()` says so; deregisters on stop.

    A beat every `interval` seconds (a third of the TTL by default), on a daemon thread. A
    beat that finds the instance unhealthy skips the heartbeat, so the instance drops out
    of clients' lists when its TTL runs out, and comes back on the first healthy beat.
    """

    def __init__(
        self,
        registry: ServiceRegistry,
        *,
        services: Sequence[str],
        instance: Instance,
        interval: float,
        healthy: Callable[[], bool] = lambda: True,
    ) -> None:
        self.registry = registry
        self.services = tuple(services)
        self.instance = instance
        self.interval = interval
        self.healthy = healthy
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> bool:
        """One heartbeat for every service; False when unhealthy or Redis failed (it is logged)."""
        try:
            if not self.healthy():
                return False
            for service in self.services:
                self.registry.register(service, self.instance)
                # Fed to /metrics: ModulithInstanceMissingHeartbeats fires when this stops moving.
                record_heartbeat(service, self.instance.id or self.instance.url, time.time())
        except redis.RedisError as exc:
            logger.warning(ANNOUNCE_FAILED_LOG, extra={"instance": self.instance.url, "error": str(exc)})
            return False
        return True

    def start(self) -> None:
        self.beat()
        self._thread = threading.Thread(target=self._run, name="service-announcer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            self.beat()

    def stop(self) -> None:
        """Stop beating and deregister, so clients stop calling this instance at once."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        for service in self.services:
            try:
                self.registry.deregister(service, self.instance.id)
            except redis.RedisError as exc:
                logger.warning(ANNOUNCE_FAILED_LOG, extra={"instance": self.instance.url, "error": str(exc)})
