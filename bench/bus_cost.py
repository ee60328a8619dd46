"""The bus at the cost of its work: what it asks of the database, and whether that stays flat as its tables grow.

    python -m bench.bus_cost [--filler 100000]

Table 1: one durable event to N subscribers, in process, from publish to every delivery
done: statements, transactions and savepoint operations (bench.statements), published
alone and inside the caller's transaction, beside django.dispatch.Signal.send (none) and
the figures issue #15 measured before this work. Table 2: one checkout through the real
HTTP view (POST /api/orders/checkout/ with the test client, the saga run in process to
the confirmed order), counted the same way. Table 3: the table-1 event timed against
Signal.send with the bus tables as they are, then again after `--filler` finished
deliveries were added in one statement each (generate_series on PostgreSQL, a recursive
CTE on SQLite), removed again at exit.

Counts do not depend on the machine; tests/bench/test_statement_counts.py asserts them.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from bench.harness import interleaved, print_table, setup_django
from bench.statements import SqlCount, count_sql

DATABASE = setup_django()  # Django must be configured before any model is imported.

from django.db import connection, transaction  # noqa: E402
from django.dispatch import Signal  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from domains.catalog.interface import catalog  # noqa: E402
from domains.identity.interface import identity  # noqa: E402
from shared.auth.principal import CUSTOMER_SCOPE, Principal  # noqa: E402
from shared.bus.bus import Bus  # noqa: E402
from shared.bus.models import Delivery, DeliveryStatus, EventOrigin, StoredEvent  # noqa: E402
from shared.bus.subscriptions import Router, Subscription  # noqa: E402
from shared.events import event  # noqa: E402
from shared.interfaces import Interface, Registry  # noqa: E402
from shared.money import Money  # noqa: E402

SUBSCRIBERS = (1, 2, 3)
FILLER_FEED = "modulith-bench-filler"
"""Marks the finished deliveries table 3 adds (as events received from a feed of that name), to delete them after."""

# Issue #15's measurements on main before this work: 6 statements and 5 transactions for one
# subscriber, +3 and +3 for each further one; one checkout 106 statements, 37 transactions,
# 20 savepoint operations (by the issue's own count).
BEFORE_STATEMENTS, BEFORE_TRANSACTIONS, BEFORE_STEP = 6, 5, 3
BEFORE_CHECKOUT = "106 st / 37 tx / 20 sp"


@event("bench.Rang", version=1)
class Rang:
    ring_id: uuid.UUID
    amount: Decimal


class BellApi(Protocol):
    """The interface that declares the benchmark's event (it has no operations)."""


def bus_with(subscribers: int) -> Bus:
    """A bus with `subscribers` in-process subscribers of Rang, each a no-op handler."""
    registry = Registry()
    registry.register(Interface("bench", BellApi, events=(Rang,)))
    router = Router(Subscription(id=f"bench.s{i}", event=Rang, handler=lambda e: None) for i in range(subscribers))
    return Bus(registry=registry, router=router)


def ring() -> Rang:
    return Rang(ring_id=uuid.uuid4(), amount=Decimal("9.99"))


def count_publish(bus: Bus, *, inside_transaction: bool) -> SqlCount:
    """What one event costs from publish until every delivery is done (the handlers run after commit)."""
    with count_sql() as counted:
        if inside_transaction:
            with transaction.atomic():
                bus.publish(ring())
        else:
            bus.publish(ring())
    return counted


def count_checkout(*, lines: int = 2) -> SqlCount:
    """One checkout of a `lines`-line cart through the HTTP view, counted from request to answer.

    The customer, products and cart are made first (not counted); the in-process transport
    runs the whole saga (payment, confirmation, stock, cart, notification) before the answer.
    """
    suffix = uuid.uuid4().hex[:8]
    user = identity.register_user(email=f"bench-{suffix}@example.com", password=f"pw-{suffix}-long!", full_name="Ben")
    client = APIClient()
    client.force_authenticate(user=Principal(id=user.id, email=user.email, scopes=frozenset({CUSTOMER_SCOPE})))
    for line in range(lines):
        product = catalog.create_product(
            sku=f"BENCH-{suffix}-{line}",
            name=f"Bench tea {line}",
            description="",
            price=Money(amount=Decimal("9.90"), currency="EUR"),
        )
        catalog.set_stock(product_id=product.id, on_hand=10)
        answer = client.post("/api/cart/items/", {"product_id": str(product.id), "quantity": 1}, format="json")
        assert answer.status_code == 201, answer.content
    with count_sql() as counted:
        answer = client.post("/api/orders/checkout/", {"payment_token": "tok_visa"}, format="json")
    assert answer.status_code == 201, answer.content
    return counted


def before(subscribers: int) -> str:
    extra = subscribers - 1
    return f"{BEFORE_STATEMENTS + BEFORE_STEP * extra} st / {BEFORE_TRANSACTIONS + BEFORE_STEP * extra} tx / 0 sp"


def statements_table() -> None:
    rows = []
    for n in SUBSCRIBERS:
        bus = bus_with(n)
        count_publish(bus, inside_transaction=False)  # warm-up: the statements are built once
        alone = count_publish(bus, inside_transaction=False)
        inside = count_publish(bus, inside_transaction=True)
        rows.append((n, "0 st / 0 tx / 0 sp", alone.figures(), inside.figures(), before(n)))
    print_table(
        f"One durable event to N in-process subscribers, publish to done: SQL on {DATABASE} "
        "(st statements, tx transactions, sp savepoint operations)",
        ("N", "Signal.send", "bus, publish alone", "bus, inside the caller's transaction", "before (issue #15)"),
        rows,
    )


def checkout_table() -> None:
    count_checkout()  # warm-up
    counted = count_checkout()
    on_bus = sum(1 for _, sql in counted.log if '"bus_' in sql or " bus_" in sql)
    print_table(
        f"One checkout through POST /api/orders/checkout/ (2-line cart, saga run in process), SQL on {DATABASE}",
        ("checkout", "statements", "of them on bus tables", "transactions", "savepoint ops", "before (issue #15)"),
        [("now", counted.statements, on_bus, counted.transactions, counted.savepoints, BEFORE_CHECKOUT)],
    )


def add_finished_deliveries(count: int) -> None:
    """`count` done deliveries (and their events) for the benchmark's subscribers, in two statements."""
    events, deliveries = StoredEvent._meta.db_table, Delivery._meta.db_table
    if connection.vendor == "postgresql":
        numbers = f"generate_series(1, {int(count)}) AS n(i)"
        event_id = "md5('bench-filler-' || n.i)::uuid"
        prefix, source = "", f"FROM {numbers}"
    else:
        event_id = "lower(hex(randomblob(16)))"
        prefix = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {int(count)}) "
        source = "FROM n"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {events} (id, name, version, {connection.ops.quote_name('key')}, payload, correlation_id, "
            f"origin, occurred_at, downcasts, feed) {prefix}SELECT {event_id}, 'bench.Rang', 1, '', '{{}}', '', "
            f"'{EventOrigin.REMOTE}', CURRENT_TIMESTAMP, '{{}}', '{FILLER_FEED}' {source}"
        )
        cursor.execute(
            f"INSERT INTO {deliveries} (event_id, subscriber, {connection.ops.quote_name('key')}, status, attempts, "
            "next_attempt_at, last_error, created_at, updated_at, completed_at, relay_attempts) "
            "SELECT e.id, 'bench.s0', '', "
            f"'{DeliveryStatus.DONE}', 1, e.occurred_at, '', e.occurred_at, e.occurred_at, e.occurred_at, 0 "
            f"FROM {events} e WHERE e.feed = '{FILLER_FEED}'"
        )


def remove_finished_deliveries() -> int:
    """Delete what add_finished_deliveries added; returns how many events."""
    events, deliveries = StoredEvent._meta.db_table, Delivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {deliveries} WHERE event_id IN (SELECT id FROM {events} WHERE feed = %s)", [FILLER_FEED]
        )
        cursor.execute(f"DELETE FROM {events} WHERE feed = %s", [FILLER_FEED])
        return cursor.rowcount


def timed(bus: Bus) -> dict[str, float]:
    signal = Signal()
    signal.connect(lambda sender, **kwargs: None, weak=False)
    sample = ring()
    variants: dict[str, Callable[[], object]] = {
        "signal": lambda: signal.send(sender=None, event=sample),
        "bus": lambda: bus.publish(ring()),
    }
    return interleaved(variants, calls=200, rounds=5)


def growth_table(filler: int) -> None:
    bus = bus_with(1)
    empty = timed(bus)
    empty_counts = count_publish(bus, inside_transaction=False)
    try:
        add_finished_deliveries(filler)
        grown = timed(bus)
        grown_counts = count_publish(bus, inside_transaction=False)
    finally:
        removed = remove_finished_deliveries()
    rows = [
        (label, counts.figures(), f"{result['bus'] * 1e6:.0f}", f"{result['bus'] / result['signal']:.0f}")
        for label, counts, result in (
            ("bus tables as found", empty_counts, empty),
            (f"after {filler:,} finished deliveries", grown_counts, grown),
        )
    ]
    rows.append(("ratio, grown to as found", "", f"{grown['bus'] / empty['bus']:.2f}", ""))
    print_table(
        f"One durable event to 1 subscriber as the bus tables grow, on {DATABASE} "
        f"(median of 5 interleaved rounds; the {removed:,} filler events removed after)",
        ("bus tables", "SQL per event", "µs/event", "ratio to Signal.send"),
        rows,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filler", type=int, default=100_000, help="Finished deliveries to add (default 100000).")
    options = parser.parse_args(argv)
    statements_table()
    checkout_table()
    growth_table(options.filler)


if __name__ == "__main__":
    main()
