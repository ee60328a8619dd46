"""The service registry on a real Redis: announce, heartbeat, expire, deregister; clients find live instances
and skip those whose circuit is open."""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from prometheus_client import REGISTRY

from domains.catalog.interface import catalog
from shared.errors import ServiceUnavailableError
from shared.interfaces import interface_of
from shared.interfaces.codec import operation_codecs
from shared.interfaces.registry import registry
from shared.money import Money
from shared.placement import parse_placement
from shared.remote.client import ServiceClient, remote_client
from shared.remote.config import RemoteSettings
from shared.remote.credentials import current_credentials
from shared.remote.discovery import Announcer, RegistryInstances, ServiceRegistry
from shared.remote.errors import ALL_CIRCUITS_OPEN, ATTEMPTS
from shared.remote.instances import CLOSED_STATE, OPEN_STATE, Instance, InstancePool
from shared.remote.management.commands.services import BAD_URL
from tests.reliability.processes import wait_until
from tests.remote.fixtures import remote_via
from tests.remote.servers import DjangoServer, new_server

pytestmark = pytest.mark.redis


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of the test's own on the Redis at REDIS_URL, deleted afterwards."""
    prefix = f"modulith-test-registry-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service_registry(prefix: str, clock: Clock) -> ServiceRegistry:
    return ServiceRegistry(redis.Redis.from_url(settings.REDIS_URL), prefix=prefix, ttl_seconds=15, clock=clock)


A = Instance(
    url="http://10.0.0.5:8000", id="http://10.0.0.5:8000", version="v7", health_url="http://10.0.0.5:8000/healthz"
)
B = Instance(
    url="http://10.0.0.6:8000", id="http://10.0.0.6:8000", version="v7", health_url="http://10.0.0.6:8000/healthz"
)


def test_a_registered_instance_is_live_until_its_heartbeat_runs_out(
    service_registry: ServiceRegistry, clock: Clock
) -> None:
    service_registry.register("catalog", A)
    clock.now += 10
    service_registry.register("catalog", B)

    assert service_registry.services() == ["catalog"]
    assert service_registry.live("catalog") == [A, B]
    clock.now += 6  # A's last heartbeat is 16 s old, B's 6 s
    assert service_registry.live("catalog") == [B]
    [expired, live] = service_registry.registrations("catalog")
    assert (expired.instance, expired.is_live(clock.now), expired.registered_at) == (A, False, 1_000_000.0)
    assert (live.instance, live.heartbeat_at, live.expires_at) == (B, 1_000_010.0, 1_000_025.0)
    assert service_registry.forget_dead("catalog") == 1
    assert [r.instance for r in service_registry.registrations("catalog")] == [B]


def test_a_heartbeat_keeps_the_first_registration_time_and_a_deregistered_instance_is_gone_at_once(
    service_registry: ServiceRegistry, clock: Clock
) -> None:
    service_registry.register("billing", A)
    clock.now += 5
    service_registry.register("billing", A)
    service_registry.register("billing", B)

    [a, _] = service_registry.registrations("billing")
    assert (a.registered_at, a.heartbeat_at) == (1_000_000.0, 1_000_005.0)
    service_registry.deregister("billing", A.id)
    assert service_registry.live("billing") == [B]


def test_clients_read_the_registry_at_most_every_refresh_and_keep_the_last_list_when_redis_fails(
    service_registry: ServiceRegistry, clock: Clock, prefix: str
) -> None:
    source = RegistryInstances(service_registry, "catalog", refresh_seconds=1.0, clock=clock)
    service_registry.register("catalog", A)
    assert source.live() == [A]

    service_registry.register("catalog", B)
    assert source.live() == [A]  # read less than a second ago
    clock.now += 1
    assert source.live() == [A, B]

    source.registry = ServiceRegistry(
        redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2), prefix=prefix, ttl_seconds=15, clock=clock
    )
    clock.now += 5
    assert source.live() == [A, B]  # Redis unreachable: the instances whose heartbeats still hold
    clock.now += 15
    assert source.live() == []


def registry_pool(service_registry: ServiceRegistry, clock: Clock, *, failures: int) -> InstancePool:
    """catalog's instances as a client finds them in the registry, each with its breaker (purgatory's, on real time)."""
    source = RegistryInstances(service_registry, "catalog", refresh_seconds=1.0, clock=clock)
    return InstancePool("catalog", source, failures=failures, reset_seconds=60)


def offered(pool: InstancePool) -> list[Instance]:
    """The instances the next call may go to, in the order it tries them."""
    return [instance for instance, _ in pool.candidates()]


def test_an_instance_whose_circuit_is_open_is_skipped_while_another_is_live(
    service_registry: ServiceRegistry, clock: Clock
) -> None:
    service_registry.register("catalog", A)
    service_registry.register("catalog", B)
    pool = registry_pool(service_registry, clock, failures=2)
    assert [offered(pool) for _ in range(2)] == [[A, B], [B, A]]  # round robin while both circuits are closed
    for _ in range(2):
        with pytest.raises(httpx.ConnectError), pool.attempt(pool.breaker(A.url)):
            raise httpx.ConnectError("Connection refused")
    assert pool.state(A.url) == OPEN_STATE

    chosen = [offered(pool) for _ in range(3)]
    clock.now += 5  # both beat again and the client reads the registry again: A's circuit stays open
    service_registry.register("catalog", A)
    service_registry.register("catalog", B)
    chosen += [offered(pool) for _ in range(3)]

    assert chosen == [[B]] * 6
    assert (pool.state(A.url), pool.state(B.url)) == (OPEN_STATE, CLOSED_STATE)
    assert service_registry.live("catalog") == [A, B]  # A is alive as far as the registry knows


class FakeNetwork:
    """What catalog's instances answer, at the HTTP client's boundary: `refusing` ones refuse connections,
    the others answer get_products with no product. Records the instance of every request."""

    def __init__(self, *, refusing: set[str]) -> None:
        self.refusing = refusing
        self.requests: list[str] = []
        self.get_products = operation_codecs(interface_of(catalog).meta)["get_products"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        instance = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        self.requests.append(instance)
        if instance in self.refusing:
            raise httpx.ConnectError("Connection refused", request=request)
        return httpx.Response(200, content=self.get_products.encode_result(()))


def test_calls_go_only_to_the_live_instance_whose_circuit_is_closed(
    service_registry: ServiceRegistry, clock: Clock
) -> None:
    service_registry.register("catalog", A)
    service_registry.register("catalog", B)
    network = FakeNetwork(refusing={A.url})
    service = ServiceClient(
        domain="catalog",
        pool=registry_pool(service_registry, clock, failures=2),
        credentials=current_credentials(),
        settings=RemoteSettings(retry_backoff_seconds=0.0, breaker_failures=2, breaker_reset_seconds=60),
        known_errors=registry.error_types,
        transport=httpx.MockTransport(network),
    )
    far = remote_client(interface_of(catalog), service)

    answers = [far.get_products(product_ids=()) for _ in range(6)]  # type: ignore[attr-defined]

    assert answers == [()] * 6
    # The first two calls start at A (round robin), are refused and go on to B; the second refusal opens A's circuit.
    assert network.requests == [A.url, B.url, A.url] + [B.url] * 5
    assert service.pool.state(A.url) == OPEN_STATE
    # Once A's circuit is open every call's first and only attempt goes to B: A is not even offered.
    assert service.stats.snapshot() == {"catalog.get_products": {"calls": 6, "attempts": 8, "retries": 2}}

    clock.now += 10  # A beats on, B's heartbeat runs out: no live instance with a closed circuit remains
    service_registry.register("catalog", A)
    clock.now += 6
    with pytest.raises(ServiceUnavailableError) as raised:
        far.get_products(product_ids=())  # type: ignore[attr-defined]

    assert raised.value.params["reason"] == ATTEMPTS.format(
        reason=ALL_CIRCUITS_OPEN.format(where=service.pool.source.describe()), attempts=0
    )
    assert network.requests == [A.url, B.url, A.url] + [B.url] * 5  # the network was not touched
    service.close()


def heartbeat_gauge(service: str, instance: str) -> float | None:
    return REGISTRY.get_sample_value(
        "modulith_instance_heartbeat_timestamp_seconds", {"service": service, "instance": instance}
    )


def test_an_announcer_beats_while_healthy_and_deregisters_when_stopped(service_registry: ServiceRegistry) -> None:
    healthy = [True]
    announcer = Announcer(
        service_registry, services=("catalog", "cart"), instance=A, interval=60, healthy=lambda: healthy[0]
    )

    before = time.time()
    announcer.start()
    assert (service_registry.live("catalog"), service_registry.live("cart")) == ([A], [A])
    beat_at = heartbeat_gauge("catalog", A.id)  # /metrics: what ModulithInstanceMissingHeartbeats watches
    assert beat_at is not None
    assert beat_at >= before
    healthy[0] = False
    assert announcer.beat() is False
    assert heartbeat_gauge("catalog", A.id) == beat_at  # no heartbeat while unhealthy: the alert's cue
    announcer.stop()

    assert (service_registry.live("catalog"), service_registry.live("cart")) == ([], [])


@pytest.mark.processes
@pytest.mark.postgres
@pytest.mark.xdist_group("remote")
def test_services_announce_keeps_an_instance_registered_until_it_is_stopped(
    prefix: str, shop_service: DjangoServer, remote_logs: Path
) -> None:
    service_registry = ServiceRegistry(redis.Redis.from_url(settings.REDIS_URL), prefix=prefix, ttl_seconds=15)
    log = (remote_logs / f"announce-{prefix.rstrip(':')}.log").open("wb")
    environment = {**shop_service.env, "SERVICE_REGISTRY_PREFIX": prefix, "SERVICE_VERSION": "v9"}
    announcing = subprocess.Popen(
        [sys.executable, "manage.py", "services", "announce", "--url", shop_service.url, "--interval", "0.5"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(
            lambda: all(service_registry.live(domain) for domain in settings.DOMAINS),
            timeout=30,
            what="the instance announced for every domain it runs",
        )
        [registration] = service_registry.registrations("orders")
        assert (registration.instance.url, registration.instance.version) == (shop_service.url, "v9")
        assert registration.instance.health_url == f"{shop_service.url}/healthz"
        assert set(service_registry.services()) == set(settings.DOMAINS)
    finally:
        announcing.send_signal(signal.SIGTERM)
        announcing.wait(timeout=15)
        log.close()

    assert announcing.returncode == 0
    assert [service_registry.live(domain) for domain in settings.DOMAINS] == [[]] * len(settings.DOMAINS)


def test_the_services_command_refuses_a_url_it_cannot_announce() -> None:
    with pytest.raises(CommandError) as raised:
        call_command("services", "announce", "--url", "catalog:8000")

    assert str(raised.value) == BAD_URL.format(url="catalog:8000")


def test_the_services_command_lists_every_domain_where_it_runs_and_its_instances_health(prefix: str) -> None:
    dead = Instance(
        url="http://127.0.0.1:9", id="http://127.0.0.1:9", version="v1", health_url="http://127.0.0.1:9/healthz"
    )
    ServiceRegistry(redis.Redis.from_url(settings.REDIS_URL), prefix=prefix, ttl_seconds=15).register("billing", dead)
    placement = parse_placement("catalog=http://127.0.0.1:9,billing=registry,cart=registry", domains=settings.DOMAINS)
    out = io.StringIO()

    with override_settings(DOMAIN_PLACEMENT=placement, SERVICE_REGISTRY_PREFIX=prefix):
        call_command("services", stdout=out)

    lines = [" ".join(line.split()) for line in out.getvalue().splitlines()]
    assert lines[0] == "SERVICE PLACED INSTANCE VERSION HEARTBEAT CIRCUIT HEALTH"
    assert lines[1] == "identity here - - - - serving in this process"
    assert lines[2].startswith("catalog url http://127.0.0.1:9 - - closed unreachable (ConnectError")
    assert lines[3:5] == [
        "cart registry (none registered) - - - no live instance",
        "orders here - - - - serving in this process",
    ]
    assert re.fullmatch(
        r"billing registry http://127\.0\.0\.1:9 v1 \d+s ago closed unreachable \(ConnectError: .*\)", lines[5]
    )
    assert lines[6:] == ["notifications here - - - - serving in this process"]


@pytest.mark.processes
@pytest.mark.postgres
@pytest.mark.xdist_group("remote")
@pytest.mark.django_db(transaction=True)
def test_a_gunicorn_service_announces_itself_clients_find_it_and_a_stopped_one_deregisters(
    prefix: str, service_database_url: str, remote_logs: Path
) -> None:
    port_env = {"SERVICE_REGISTRY_PREFIX": prefix, "SERVICE_HEARTBEAT_SECONDS": "0.5", "SERVICE_TTL_SECONDS": "2"}
    first = new_server("announced-1", database_url=service_database_url, log_dir=remote_logs, extra=port_env)
    second = new_server("announced-2", database_url=service_database_url, log_dir=remote_logs, extra=port_env)
    first.env["SERVICE_ANNOUNCE_URL"], second.env["SERVICE_ANNOUNCE_URL"] = first.url, second.url
    product = catalog.create_product(
        sku=f"R-{uuid.uuid4().hex[:8]}",
        name="Kukicha",
        description="",
        price=Money(amount=Decimal("3.00"), currency="EUR"),
    )
    service_registry = ServiceRegistry(redis.Redis.from_url(settings.REDIS_URL), prefix=prefix, ttl_seconds=2)
    first.start()
    second.start()
    try:
        wait_until(
            lambda: all(len(service_registry.live(domain)) == 2 for domain in settings.DOMAINS),
            timeout=10,
            what="both instances announced for every domain",
        )
        assert {i.url for i in service_registry.live("catalog")} == {first.url, second.url}
        assert set(service_registry.services()) == set(settings.DOMAINS)
        with override_settings(SERVICE_REGISTRY_PREFIX=prefix, SERVICE_REGISTRY_REFRESH_SECONDS=0.1):
            far = remote_via(catalog, "registry")
            assert [far.client.get_product(product_id=product.id) for _ in range(4)] == [product] * 4  # type: ignore[attr-defined]

            second.stop()  # SIGTERM: gunicorn's on_exit hook deregisters at once
            assert [i.url for i in service_registry.live("catalog")] == [first.url]
            first.kill()  # SIGKILL: no goodbye; its heartbeat runs out after the TTL
            wait_until(lambda: service_registry.live("catalog") == [], timeout=10, what="the killed instance to expire")
            wait_until(lambda: not far.service.pool.source.live(), timeout=5, what="the client to see no instance")
            with pytest.raises(ServiceUnavailableError) as raised:
                far.client.get_product(product_id=product.id)  # type: ignore[attr-defined]
            assert "no live instance" in raised.value.params["reason"]
    finally:
        first.stop()
        second.stop()
