"""Remote interface calls against real services on loopback: answers, errors, failures, retries, breakers,
and a domain placed at a static URL called from a process without Redis."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from prometheus_client import REGISTRY

from domains.cart.interface import cart
from domains.catalog.interface import (
    MAX_STOCK,
    ProductDTO,
    ProductInvalidError,
    ProductNotFoundError,
    catalog,
)
from domains.catalog.inventory import ON_HAND_OUT_OF_RANGE
from domains.catalog.models import Product
from shared.correlation import correlation_scope
from shared.errors import ServiceUnavailableError
from shared.interfaces import ArgumentTypeError
from shared.interfaces.observation import REMOTE, placement_of
from shared.keyfiles import generate_private_key
from shared.money import Money
from shared.observability.metrics import BreakerState
from shared.remote.client import call_timeout
from shared.remote.credentials import ServiceCredentials
from shared.remote.errors import RemoteCallRefusedError, UnknownRemoteError
from shared.remote.instances import CLOSED_STATE, HALF_OPEN_STATE, OPEN_STATE
from tests.reliability.processes import free_port, wait_until
from tests.remote.faults import FaultProxy
from tests.remote.fixtures import REMOTE_TESTS, remote
from tests.remote.servers import DjangoServer, server_env

pytestmark = REMOTE_TESTS

EUR = "EUR"
GET_PRODUCT = "/internal/catalog/get_product/"
SET_STOCK = "/internal/catalog/set_stock/"
CREATE_PRODUCT = "/internal/catalog/create_product/"


def a_product(sku: str = "") -> ProductDTO:
    """A product created here, committed, so that the service sees it."""
    return catalog.create_product(
        sku=sku or f"T-{uuid.uuid4().hex[:8]}",
        name="Sencha",
        description="Green tea",
        price=Money(amount=Decimal("4.50"), currency=EUR),
    )


def test_a_call_answered_by_the_service_equals_the_local_answer(shop_service: DjangoServer) -> None:
    product = a_product()
    far = remote(catalog, shop_service.url)

    answered = far.client.get_product(product_id=product.id)  # type: ignore[attr-defined]
    many = far.client.get_products(product_ids=(product.id, uuid.uuid4()))  # type: ignore[attr-defined]

    assert answered == catalog.get_product(product_id=product.id)
    assert many == (answered,)
    assert far.service.stats.snapshot() == {
        "catalog.get_product": {"attempts": 1, "calls": 1},
        "catalog.get_products": {"attempts": 1, "calls": 1},
    }


def test_a_remote_client_says_it_is_remote_so_the_proxys_metrics_label_its_calls(shop_service: DjangoServer) -> None:
    assert placement_of(remote(catalog, shop_service.url).client) == REMOTE


def test_a_domain_error_arrives_as_the_same_class_and_never_trips_the_breaker(shop_service: DjangoServer) -> None:
    far = remote(catalog, shop_service.url, breaker_failures=2)
    missing = uuid.uuid4()

    for _ in range(5):
        with pytest.raises(ProductNotFoundError) as raised:
            far.client.get_product(product_id=missing)  # type: ignore[attr-defined]
        assert raised.value == ProductNotFoundError(product_id=missing)
    with pytest.raises(ProductInvalidError) as invalid:
        far.client.set_stock(product_id=a_product().id, on_hand=MAX_STOCK + 1)  # type: ignore[attr-defined]

    assert invalid.value.params == {"field_errors": {"on_hand": (ON_HAND_OUT_OF_RANGE,)}}
    assert far.service.pool.state(shop_service.url) == CLOSED_STATE
    assert far.service.stats.get("catalog.get_product", "attempts") == 5
    assert far.service.stats.get("catalog.get_product", "retries") == 0


def test_a_wrong_argument_type_fails_before_anything_is_sent(shop_service: DjangoServer) -> None:
    far = remote(catalog, shop_service.url)

    with pytest.raises(ArgumentTypeError):
        far.client.get_products(product_ids=[uuid.uuid4()])  # type: ignore[attr-defined]

    assert far.service.stats.snapshot() == {}


def test_the_services_own_unavailable_error_arrives_as_it_is_and_the_service_stays_trusted(
    cart_service: DjangoServer, dead_url: str
) -> None:
    far = remote(cart, cart_service.url, breaker_failures=1)

    with pytest.raises(ServiceUnavailableError) as raised:
        far.client.add_item(customer_id=uuid.uuid4(), product_id=uuid.uuid4(), quantity=1)  # type: ignore[attr-defined]

    assert raised.value.params["domain"] == "catalog"  # the cart service could not reach its catalog
    assert raised.value.params["operation"] == "catalog.get_product"
    assert dead_url in raised.value.params["reason"]
    assert far.service.pool.state(cart_service.url) == CLOSED_STATE  # the cart service answered: no failure
    assert far.service.stats.get("cart.add_item", "attempts") == 1


def test_an_error_code_this_process_does_not_know_is_one_remote_error_family(shop_service: DjangoServer) -> None:
    far = remote(catalog, shop_service.url)
    far.service.known_errors = dict  # this process runs an older interface that lacks catalog's errors
    missing = uuid.uuid4()

    with pytest.raises(UnknownRemoteError) as raised:
        far.client.get_product(product_id=missing)  # type: ignore[attr-defined]

    assert (raised.value.domain, raised.value.status, raised.value.code) == (
        "catalog",
        404,
        "catalog.product_not_found",
    )
    assert str(raised.value).startswith(
        "catalog.get_product failed with error code 'catalog.product_not_found' (HTTP 404), which no interface"
    )


def test_a_service_refuses_a_caller_whose_key_it_does_not_trust(shop_service: DjangoServer) -> None:
    far = remote(catalog, shop_service.url)
    far.service.credentials = ServiceCredentials(
        service="intruder", key=generate_private_key("EdDSA"), lifetime_seconds=60
    )

    with pytest.raises(RemoteCallRefusedError) as raised:
        far.client.get_product(product_id=uuid.uuid4())  # type: ignore[attr-defined]

    assert (raised.value.status, raised.value.code) == (401, "auth.service_token_invalid")


def test_a_token_made_out_to_another_domain_is_refused_with_403(shop_service: DjangoServer) -> None:
    far = remote(catalog, shop_service.url)
    far.service.domain = "billing"  # tokens for billing, sent to catalog's endpoint

    with pytest.raises(RemoteCallRefusedError) as raised:
        far.client.get_product(product_id=uuid.uuid4())  # type: ignore[attr-defined]

    assert (raised.value.status, raised.value.code) == (403, "auth.service_token_wrong_audience")


def timed(call: Callable[[], object]) -> tuple[BaseException, float]:
    started = time.monotonic()
    try:
        call()
    except BaseException as exc:
        return exc, time.monotonic() - started
    raise AssertionError("the call succeeded")


def test_a_killed_service_is_unavailable_to_its_callers_in_under_a_second(doomed_service: DjangoServer) -> None:
    product = a_product()
    far = remote(catalog, doomed_service.url, breaker_failures=100)  # the breaker has a test of its own
    assert far.client.get_product(product_id=product.id) == product  # type: ignore[attr-defined]

    doomed_service.kill()
    idempotent, idempotent_seconds = timed(lambda: far.client.get_product(product_id=product.id))  # type: ignore[attr-defined]
    unmarked, unmarked_seconds = timed(lambda: far.client.set_stock(product_id=product.id, on_hand=3))  # type: ignore[attr-defined]

    assert isinstance(idempotent, ServiceUnavailableError)
    assert isinstance(unmarked, ServiceUnavailableError)
    assert idempotent.params["domain"] == "catalog"
    assert "could not connect to" in idempotent.params["reason"]
    assert idempotent_seconds < 1.0
    assert unmarked_seconds < 1.0
    # A refused connection reached nothing, so even the unmarked operation is tried again.
    assert far.service.stats.get("catalog.get_product", "attempts") == 1 + 3
    assert far.service.stats.get("catalog.set_stock", "attempts") == 3


def breaker_gauge(service: str) -> float | None:
    """modulith_circuit_breaker_state for `service`, as this process's /metrics would show it."""
    return REGISTRY.get_sample_value("modulith_circuit_breaker_state", {"service": service})


def test_the_breaker_opens_after_its_threshold_fails_fast_and_a_half_open_probe_recovers(
    doomed_service: DjangoServer,
) -> None:
    product = a_product()
    far = remote(catalog, doomed_service.url, breaker_failures=4, breaker_reset_seconds=0.5)
    doomed_service.kill()

    with pytest.raises(ServiceUnavailableError):
        far.client.get_product(product_id=product.id)  # type: ignore[attr-defined]  # 3 failures: still closed
    assert far.service.pool.state(doomed_service.url) == CLOSED_STATE
    assert breaker_gauge("catalog") == BreakerState.CLOSED
    with pytest.raises(ServiceUnavailableError):
        far.client.get_product(product_id=product.id)  # type: ignore[attr-defined]  # the 4th opens it
    assert far.service.pool.state(doomed_service.url) == OPEN_STATE
    assert breaker_gauge("catalog") == BreakerState.OPEN  # what /metrics shows, and the alert reads
    attempts = far.service.stats.get("catalog.get_product", "attempts")
    with pytest.raises(ServiceUnavailableError) as fast:
        far.client.get_product(product_id=product.id)  # type: ignore[attr-defined]

    assert "circuit is open" in fast.value.params["reason"]
    assert far.service.stats.get("catalog.get_product", "attempts") == attempts  # the network was not touched
    assert far.service.stats.get("catalog.get_product", "failed_fast") == 1

    doomed_service.start()
    wait_until(
        lambda: far.service.pool.state(doomed_service.url) == HALF_OPEN_STATE, timeout=5, what="the half-open state"
    )
    far.service.pool.candidates()  # the next call's choice sees the circuit half-open
    assert breaker_gauge("catalog") == BreakerState.HALF_OPEN
    assert far.client.get_product(product_id=product.id) == product  # type: ignore[attr-defined]  # the probe
    assert far.service.pool.state(doomed_service.url) == CLOSED_STATE
    assert breaker_gauge("catalog") == BreakerState.CLOSED


def test_only_operations_marked_retry_safe_are_sent_again_and_each_attempt_is_counted(
    fault_proxy: FaultProxy,
) -> None:
    product = a_product()
    far = remote(catalog, fault_proxy.url, breaker_failures=100)
    fault_proxy.default = "fail"  # every answer a 503 from "the load balancer": the service may have acted

    with pytest.raises(ServiceUnavailableError):
        far.client.get_product(product_id=product.id)  # type: ignore[attr-defined]  # @idempotent
    with pytest.raises(ServiceUnavailableError):
        far.client.set_stock(product_id=product.id, on_hand=5)  # type: ignore[attr-defined]  # not marked
    with pytest.raises(ServiceUnavailableError):
        far.client.create_product(sku="NEVER-1", name="x", description="", price=product.price)  # type: ignore[attr-defined]  # @creates

    assert far.service.stats.snapshot() == {
        "catalog.create_product": {"attempts": 3, "calls": 1, "retries": 2, "unavailable": 1},
        "catalog.get_product": {"attempts": 3, "calls": 1, "retries": 2, "unavailable": 1},
        "catalog.set_stock": {"attempts": 1, "calls": 1, "unavailable": 1},
    }
    assert (fault_proxy.requests(GET_PRODUCT), fault_proxy.requests(SET_STOCK)) == (3, 1)
    assert fault_proxy.requests(CREATE_PRODUCT) == 3
    assert not Product.objects.filter(sku="NEVER-1").exists()


def test_an_unmarked_operation_that_times_out_is_not_sent_again(fault_proxy: FaultProxy) -> None:
    product = a_product()
    far = remote(catalog, fault_proxy.url, call_timeout_seconds=0.5)
    fault_proxy.then("hang")

    with pytest.raises(ServiceUnavailableError) as raised:
        far.client.set_stock(product_id=product.id, on_hand=5)  # type: ignore[attr-defined]
    fault_proxy.release()

    assert "no answer from" in raised.value.params["reason"]
    assert far.service.stats.get("catalog.set_stock", "attempts") == 1
    assert fault_proxy.requests(SET_STOCK) == 1


def test_a_caller_can_give_a_call_less_time_than_the_default_budget(fault_proxy: FaultProxy) -> None:
    product = a_product()
    far = remote(catalog, fault_proxy.url, call_timeout_seconds=30.0)
    fault_proxy.default = "hang"

    with call_timeout(0.3), pytest.raises(ServiceUnavailableError) as raised:
        far.client.get_product(product_id=product.id)  # type: ignore[attr-defined]
    fault_proxy.release()

    assert raised.value.params["reason"] == (
        f"no answer from {fault_proxy.url}{GET_PRODUCT} within 0.30s; gave up after 1 attempt(s)"
    )


def test_a_created_thing_whose_answer_was_lost_is_created_once_when_the_call_is_retried(
    fault_proxy: FaultProxy,
) -> None:
    sku = f"ONCE-{uuid.uuid4().hex[:8]}"
    far = remote(catalog, fault_proxy.url)
    fault_proxy.then("drop")  # the service creates the product; the answer never arrives

    created = far.client.create_product(  # type: ignore[attr-defined]
        sku=sku, name="Gyokuro", description="", price=Money(amount=Decimal("9.00"), currency=EUR)
    )

    assert fault_proxy.requests(CREATE_PRODUCT) == 2
    assert far.service.stats.get("catalog.create_product", "retries") == 1
    assert list(Product.objects.filter(sku=sku).values_list("id", flat=True)) == [created.id]
    assert created == catalog.get_product(product_id=created.id)


def test_calls_go_round_robin_and_carry_the_correlation_id_and_a_token_for_the_domain(
    shop_service: DjangoServer,
) -> None:
    product = a_product()
    first, second = FaultProxy(upstream=shop_service.url).start(), FaultProxy(upstream=shop_service.url).start()
    try:
        far = remote(catalog, first.url, second.url)
        with correlation_scope("corr-rr-1"):
            answers = [far.client.get_product(product_id=product.id) for _ in range(4)]  # type: ignore[attr-defined]
    finally:
        first.stop()
        second.stop()

    assert answers == [product] * 4
    assert (first.requests(GET_PRODUCT), second.requests(GET_PRODUCT)) == (2, 2)
    assert (len(set(first.client_ports)), len(set(second.client_ports))) == (1, 1)  # one kept-alive connection each
    headers = [seen[2] for seen in (*first.seen, *second.seen)]
    assert {h["x-request-id"] for h in headers} == {"corr-rr-1"}
    assert all(h["x-service-authorization"].startswith("Bearer ") for h in headers)
    assert all("x-service-request-id" not in h for h in headers)  # a read carries no request id


def test_with_two_instances_one_killed_calls_keep_succeeding(
    shop_service: DjangoServer, doomed_service: DjangoServer
) -> None:
    product = a_product()
    far = remote(catalog, doomed_service.url, shop_service.url)
    doomed_service.kill()

    answers = [far.client.get_product(product_id=product.id) for _ in range(6)]  # type: ignore[attr-defined]
    stocked = [far.client.set_stock(product_id=product.id, on_hand=n) for n in range(1, 5)]  # type: ignore[attr-defined]

    assert answers == [product] * 6
    assert [p.available for p in stocked] == [1, 2, 3, 4]
    assert far.service.stats.get("catalog.get_product", "unavailable") == 0
    assert far.service.pool.state(shop_service.url) == CLOSED_STATE


CALLER = """
import uuid

import redis

from domains.catalog.interface import catalog
from shared.remote.binding import current_service_registry, service_client

try:
    current_service_registry().services()
except redis.ConnectionError as exc:
    print("registry:", type(exc).__name__)
print(repr(catalog.get_product(product_id=uuid.UUID({product_id!r}))))
print(service_client("catalog").stats.snapshot())
"""


def test_a_domain_placed_at_a_static_url_is_called_without_any_redis(
    shop_service: DjangoServer, service_database_url: str
) -> None:
    product = a_product()
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(nobody, socket_connect_timeout=1).ping()
    environment = server_env(
        database_url=service_database_url,
        extra={"DOMAIN_PLACEMENT": f"catalog={shop_service.url}", "REDIS_URL": nobody},
    )
    for name, value in environment.items():
        if value.startswith(("redis://", "rediss://")):
            environment[name] = nobody  # the registry's URL, the rate limits' cache, the bus's nudge: all unreachable

    caller = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CALLER.format(product_id=str(product.id))],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert caller.returncode == 0, caller.stderr
    assert caller.stdout.splitlines()[-3:] == [
        "registry: ConnectionError",  # this process has no Redis to read a registry from
        repr(product),
        str({"catalog.get_product": {"attempts": 1, "calls": 1}}),
    ]
