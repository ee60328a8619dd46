"""Checkout against the shop as deployed: gunicorn, its database, and `bus work` and `checkout_sweep` beside it.

What must hold afterwards, whatever was killed or restarted: no reservation without an
order (`manage.py find_dangling_references` exits 0), no second charge (the payment
provider saw one approved charge per order), every order confirmed or cancelled (polled
with a deadline while the loops run), and an Idempotency-Key that a dead request held is
free again at once, long before its 120 s lease.

The PostgreSQL these tests restart is their own (tests/flows/shop_processes.py); each
server is started once per session, and all tests here share one xdist worker.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import signal
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from conftest import require_server
from domains.billing.providers import CallOutcome, FakePaymentProvider
from domains.billing.services import provider_key
from domains.identity.demo import DEMO_PASSWORD
from domains.identity.tests.keys import write_private_key
from shared.api.idempotency import IDEMPOTENCY_KEY_HEADER
from tests.flows.shop_processes import POSTGRES_BIN, Answer, PostgresServer, ShopServer
from tests.reliability.processes import wait_until

pytestmark = [pytest.mark.processes, pytest.mark.xdist_group("checkout-processes")]

CHECKOUT = "/api/orders/checkout/"
VISA = {"payment_token": "tok_visa"}
SUBMITS = 20
ROUNDS = 3
SETTLE_SECONDS = 60.0
LEASE_SECONDS = 120  # the Idempotency-Key lease the shop runs with: what fencing saves a client from waiting
_skus = itertools.count(1)


def shop_env(directory: Path, database_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "BUS_TRANSPORT": "inprocess",
        "AUTH_SIGNING_KEYS": str(write_private_key(directory, "shop")),
        "RATE_LIMIT_ANON": "100000/min",
        "RATE_LIMIT_USER": "100000/min",
        "RATE_LIMIT_LOGIN": "100000/min",
        "BILLING_FAKE_PROVIDER_STORE": str(directory / "provider.sqlite3"),
        "BILLING_FAKE_PROVIDER_OUTCOME": "",
        "BUS_RETRY_BASE_SECONDS": "0.2",
        "ORDERS_CHECKOUT_TIMEOUT_SECONDS": "30",
        "CATALOG_RESERVATION_TTL_SECONDS": "120",
        "IDEMPOTENCY_LEASE_SECONDS": str(LEASE_SECONDS),
        "DJANGO_DEBUG": "false",
    }


def running_shop(directory: Path, database_url: str) -> Iterator[ShopServer]:
    shop = ShopServer(env=shop_env(directory, database_url), directory=directory)
    try:
        shop.start()
        yield shop
    finally:
        shop.stop()


@pytest.fixture(scope="session")
def sqlite_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopServer]:
    directory = tmp_path_factory.mktemp("sqlite-shop")
    yield from running_shop(directory, f"sqlite:///{directory / 'shop.sqlite3'}")


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PostgresServer]:
    if not (POSTGRES_BIN / "initdb").exists():
        require_server(f"PostgreSQL's server binaries in {POSTGRES_BIN} (set POSTGRES_BIN)")
    server = PostgresServer.create()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_shop(private_postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopServer]:
    directory = tmp_path_factory.mktemp("postgres-shop")
    yield from running_shop(directory, private_postgres.create_database("shop"))


# -- the shop, as a client and an operator see it ---------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Customer:
    id: str
    token: str


def log_in(shop: ShopServer, email: str, password: str) -> str:
    return shop.ok("POST", "/api/identity/token/", {"email": email, "password": password})["access_token"]


def new_customer(shop: ShopServer) -> Customer:
    email, password = f"c-{uuid.uuid4().hex[:10]}@example.com", "a-long-passw0rd!"
    user = shop.ok("POST", "/api/identity/register/", {"email": email, "password": password, "full_name": "Cy"})
    return Customer(id=user["id"], token=log_in(shop, email, password))


def new_product(shop: ShopServer, *, on_hand: int) -> str:
    staff = log_in(shop, "staff@example.com", DEMO_PASSWORD)
    body = {
        "sku": f"PROC-{uuid.uuid4().hex[:6]}-{next(_skus)}",
        "name": "Gooseneck kettle, 1 l",
        "price": {"amount": "64.00", "currency": "EUR"},
        "on_hand": on_hand,
    }
    return shop.ok("POST", "/api/catalog/products/", body, token=staff)["id"]


def fill_cart(shop: ShopServer, customer: Customer, product_id: str, quantity: int) -> None:
    shop.ok("POST", "/api/cart/items/", {"product_id": product_id, "quantity": quantity}, token=customer.token)


def available(shop: ShopServer, product_id: str) -> int:
    return shop.ok("GET", f"/api/catalog/products/{product_id}/")["available"]


def check_out(shop: ShopServer, customer: Customer, *, key: str = "") -> Answer:
    return shop.call(
        "POST", CHECKOUT, VISA, token=customer.token, headers={IDEMPOTENCY_KEY_HEADER: key} if key else None
    )


def settled(shop: ShopServer, customer: Customer, order_id: str) -> dict:
    def final() -> dict | None:
        order = shop.ok("GET", f"/api/orders/{order_id}/", token=customer.token)
        return order if order["status"] in ("confirmed", "cancelled") else None

    return wait_until(final, timeout=SETTLE_SECONDS, what=f"order {order_id} to settle", details=shop.log_tail)


def orders_of(shop: ShopServer, customer: Customer) -> list[str]:
    return [order["id"] for order in shop.ok("GET", "/api/orders/", token=customer.token)["results"]]


def payments_of(shop: ShopServer, customer: Customer) -> list[tuple[str, str]]:
    payments = shop.ok("GET", "/api/billing/payments/", token=customer.token)["results"]
    return [(payment["order_id"], payment["status"]) for payment in payments]


def charges(shop: ShopServer, order_id: str) -> list[CallOutcome]:
    """What the payment provider saw for the order: its sandbox's list of calls."""
    calls = FakePaymentProvider(store=shop.provider_store).calls(provider_key(uuid.UUID(order_id)))
    return [call.outcome for call in calls]


def no_dangling_references(shop: ShopServer) -> bool:
    return shop.manage("find_dangling_references").returncode == 0


def waiting_for_a_lock(monitor: psycopg.Connection) -> bool:
    row = monitor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    ).fetchone()
    return bool(row and row[0])


def orders_database_url(shop: ShopServer) -> str:
    """Where the shop keeps orders' tables: DATABASE_URL's database, or (DOMAIN_DATABASES, inherited) orders' own."""
    url = shop.env["DATABASE_URL"]
    return f"{url}_orders" if "orders" in settings.DOMAIN_DATABASES else url


def holder_pid(database_url: str, customer: Customer) -> int:
    """The process placing the customer's checkout, as its claim records it (host:pid:start)."""
    with closing(psycopg.connect(database_url, autocommit=True)) as connection:
        row = connection.execute(
            "SELECT holder FROM orders_checkout WHERE customer_id = %s AND status = 'placing'", [customer.id]
        ).fetchone()
    assert row is not None, "no checkout being placed"
    return int(row[0].rsplit(":", 2)[1])


# -- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shop_fixture",
    [
        pytest.param("sqlite_shop", id="sqlite"),
        pytest.param("postgres_shop", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def test_twenty_concurrent_keyless_submits_of_one_cart_place_and_charge_one_order(
    request: pytest.FixtureRequest, shop_fixture: str
) -> None:
    shop: ShopServer = request.getfixturevalue(shop_fixture)
    for _ in range(ROUNDS):
        kettle, ann = new_product(shop, on_hand=5), new_customer(shop)
        fill_cart(shop, ann, kettle, 1)
        start = threading.Barrier(SUBMITS)

        def submit(_: int, ann: Customer = ann, start: threading.Barrier = start) -> Answer:
            start.wait(timeout=60)
            return check_out(shop, ann)

        with ThreadPoolExecutor(max_workers=SUBMITS) as pool:
            answers = list(pool.map(submit, range(SUBMITS)))

        (placed,) = (answer for answer in answers if answer.status == 201)
        order_id = placed.body["id"]

        def told(answer: Answer, order_id: str = order_id) -> str:
            if answer.status == 200 and answer.body["id"] == order_id:
                return "this cart's order"
            if answer.status == 409 and answer.body["params"] == {"order_id": order_id}:
                return answer.body["code"]  # orders.checkout_in_progress: being placed right now
            return f"{answer.status} {answer.body.get('code')}"  # orders.cart_empty: bought and taken out of the cart

        others = Counter(told(answer) for answer in answers if answer is not placed)
        assert set(others) <= {"this cart's order", "orders.checkout_in_progress", "409 orders.cart_empty"}, others
        assert sum(others.values()) == SUBMITS - 1
        assert settled(shop, ann, order_id)["status"] == "confirmed"
        assert orders_of(shop, ann) == [order_id]
        assert payments_of(shop, ann) == [(order_id, "captured")]
        assert charges(shop, order_id) == [CallOutcome.APPROVED]
        assert available(shop, kettle) == 4
    assert no_dangling_references(shop), shop.manage("find_dangling_references").stdout


def test_a_provider_that_fails_once_is_called_twice_across_processes_and_the_order_confirmed(
    sqlite_shop: ShopServer,
) -> None:
    """The first attempt runs in a gunicorn worker, the retry in `bus work`: one failure, one charge."""
    shop = sqlite_shop
    tea, ann = new_product(shop, on_hand=10), new_customer(shop)
    fill_cart(shop, ann, tea, 1)

    answer = shop.call("POST", CHECKOUT, {"payment_token": "tok_providerErrorOnce"}, token=ann.token)

    assert answer.status == 201
    order_id = answer.body["id"]
    assert settled(shop, ann, order_id)["status"] == "confirmed"
    (payment,) = shop.ok("GET", "/api/billing/payments/", token=ann.token)["results"]
    assert (payment["status"], payment["attempts"]) == ("captured", 2)
    assert charges(shop, order_id) == [CallOutcome.FAILED, CallOutcome.APPROVED]


@pytest.mark.postgres
def test_a_postgresql_restart_mid_checkout_holds_nothing_and_the_retry_with_its_key_is_served_at_once(
    postgres_shop: ShopServer, private_postgres: PostgresServer
) -> None:
    shop, key = postgres_shop, f"checkout-{uuid.uuid4()}"
    tea, ann = new_product(shop, on_hand=10), new_customer(shop)
    fill_cart(shop, ann, tea, 2)
    # orders readable, not writable: checkout stops as it records
    holder = psycopg.connect(orders_database_url(shop))
    monitor = psycopg.connect(orders_database_url(shop), autocommit=True)
    try:
        holder.execute("LOCK TABLE orders_order IN SHARE MODE")
        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(check_out, shop, ann, key=key)
            wait_until(lambda: waiting_for_a_lock(monitor), timeout=30, what="the checkout to reach the orders table")
            held_mid_checkout = available(shop, tea)
            private_postgres.restart()
            failed = first.result(timeout=60)
    finally:
        for connection in (holder, monitor):
            connection.close()

    retry = check_out(shop, ann, key=key)  # at once: no waiting out the lease

    assert held_mid_checkout == 8  # reserved, the order not recorded: the window the restart hit
    assert (failed.status, failed.body["code"]) == (503, "server.unavailable")  # retry: the key is free
    assert retry.status == 201, retry.body
    order_id = retry.body["id"]
    assert settled(shop, ann, order_id)["status"] == "confirmed"
    assert orders_of(shop, ann) == [order_id]
    assert payments_of(shop, ann) == [(order_id, "captured")]
    assert charges(shop, order_id) == [CallOutcome.APPROVED]
    wait_until(lambda: available(shop, tea) == 8, timeout=SETTLE_SECONDS, what="the failed checkout's units back")
    wait_until(lambda: no_dangling_references(shop), timeout=SETTLE_SECONDS, what="no reservation without an order")
    assert "checkout-sweep" not in shop.restarts  # its loop lived through the restart


@pytest.mark.postgres
def test_a_web_worker_killed_mid_checkout_holds_nothing_for_long_and_its_key_is_free_at_once(
    postgres_shop: ShopServer,
) -> None:
    shop, key = postgres_shop, f"checkout-{uuid.uuid4()}"
    tea, ann = new_product(shop, on_hand=10), new_customer(shop)
    fill_cart(shop, ann, tea, 2)
    holder = psycopg.connect(orders_database_url(shop))
    monitor = psycopg.connect(orders_database_url(shop), autocommit=True)
    try:
        holder.execute("LOCK TABLE orders_order IN SHARE MODE")
        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(check_out, shop, ann, key=key)
            wait_until(lambda: waiting_for_a_lock(monitor), timeout=30, what="the checkout to reach the orders table")
            worker = holder_pid(orders_database_url(shop), ann)
            workers_before = shop.worker_pids()
            os.kill(worker, signal.SIGKILL)
            lost = first.exception(timeout=60)
        holder.rollback()
    finally:
        for connection in (holder, monitor):
            connection.close()

    assert worker in workers_before
    assert isinstance(lost, OSError)  # the client saw its connection drop, and no answer
    # Nobody retries: the sweep sees the checkout's process gone and releases its units.
    wait_until(lambda: available(shop, tea) == 10, timeout=SETTLE_SECONDS, what="the killed checkout's units back")
    assert no_dangling_references(shop)
    assert orders_of(shop, ann) == []
    retry = check_out(shop, ann, key=key)  # the key the dead worker held: free at once
    assert retry.status == 201, retry.body
    order_id = retry.body["id"]
    assert settled(shop, ann, order_id)["status"] == "confirmed"
    assert payments_of(shop, ann) == [(order_id, "captured")]
    assert charges(shop, order_id) == [CallOutcome.APPROVED]
    assert available(shop, tea) == 8
