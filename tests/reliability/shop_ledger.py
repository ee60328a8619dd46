"""What the shop's database and its payment provider hold after a run, read as an auditor would.

The fault test reads the deployed shop's PostgreSQL (its own cluster) directly: every order,
line, reservation, stock level, payment, notification and bus delivery, in one snapshot
(REPEATABLE READ), and the fake provider's store of every charge it was asked for.
Nothing here writes.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections import Counter, defaultdict
from contextlib import closing
from pathlib import Path

import psycopg

from domains.billing.providers import CallOutcome


@dataclasses.dataclass(frozen=True, slots=True)
class Ledger:
    orders: dict[str, str]
    """order id -> status"""
    confirmed_units: dict[str, int]
    """product id -> units in confirmed orders"""
    stock: dict[str, tuple[int, int]]
    """product id -> (on hand, reserved)"""
    reservations: dict[str, str]
    """order id -> reservation status (tombstones without lines included)"""
    reservations_held: dict[str, str]
    """order id -> status of reservations with lines"""
    payments: Counter[str]
    """order id -> payments recorded"""
    notifications: dict[str, list[str]]
    """order id -> kinds of the notifications sent about it"""
    deliveries: Counter[str]
    """delivery status -> count"""
    approved_charges: Counter[str]
    """provider idempotency key -> approved calls"""


def read_ledger(database_url: str, provider_store: Path) -> Ledger:
    with closing(psycopg.connect(database_url)) as connection:
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

        def rows(query: str) -> list[tuple]:
            return connection.execute(query).fetchall()

        orders = {str(order_id): status for order_id, status in rows("SELECT id, status FROM orders_order")}
        confirmed_units: Counter[str] = Counter()
        for product_id, quantity in rows(
            "SELECT line.product_id, line.quantity FROM orders_orderline line "
            "JOIN orders_order o ON o.id = line.order_id WHERE o.status = 'confirmed'"
        ):
            confirmed_units[str(product_id)] += quantity
        stock = {
            str(product_id): (on_hand, reserved)
            for product_id, on_hand, reserved in rows("SELECT product_id, on_hand, reserved FROM catalog_stocklevel")
        }
        reservations = {
            str(order_id): status for order_id, status in rows("SELECT order_id, status FROM catalog_reservation")
        }
        reservations_held = {
            str(order_id): status
            for order_id, status in rows(
                "SELECT DISTINCT r.order_id, r.status FROM catalog_reservation r "
                "JOIN catalog_reservationline line ON line.reservation_id = r.id"
            )
        }
        payments = Counter(str(order_id) for (order_id,) in rows("SELECT order_id FROM billing_payment"))
        notifications: defaultdict[str, list[str]] = defaultdict(list)
        for order_id, kind in rows("SELECT order_id, kind FROM notifications_notification WHERE order_id IS NOT NULL"):
            notifications[str(order_id)].append(kind)
        deliveries = Counter(dict(rows(DELIVERIES_BY_STATUS)))
    with closing(sqlite3.connect(provider_store)) as store:
        approved = Counter(
            key
            for (key,) in store.execute("SELECT idempotency_key FROM calls WHERE outcome = ?", (CallOutcome.APPROVED,))
        )
    return Ledger(
        orders=orders,
        confirmed_units=dict(confirmed_units),
        stock=stock,
        reservations=reservations,
        reservations_held=reservations_held,
        payments=payments,
        notifications=dict(notifications),
        deliveries=deliveries,
        approved_charges=approved,
    )


DELIVERIES_BY_STATUS = "SELECT status, count(*) FROM bus_delivery GROUP BY status"
UNFINISHED_DELIVERY_IDS = "SELECT id FROM bus_delivery WHERE status IN ('pending', 'processing', 'failed')"
PENDING_ORDERS = "SELECT count(*) FROM orders_order WHERE status = 'pending_payment'"
UNFINISHED_DELIVERIES = "SELECT count(*) FROM bus_delivery WHERE status IN ('pending', 'processing', 'failed')"


def unfinished_deliveries(database_url: str) -> set[int] | None:
    """The ids of the bus deliveries not done yet; None while the database does not answer."""
    try:
        with closing(psycopg.connect(database_url, connect_timeout=2)) as connection:
            return {int(delivery_id) for (delivery_id,) in connection.execute(UNFINISHED_DELIVERY_IDS).fetchall()}
    except psycopg.OperationalError:
        return None


def unfinished(database_url: str) -> tuple[int, int] | None:
    """(orders waiting for payment, deliveries not done); None while the database does not answer."""
    try:
        with closing(psycopg.connect(database_url, connect_timeout=2)) as connection:
            (orders,) = connection.execute(
                "SELECT count(*) FROM orders_order WHERE status = 'pending_payment'"
            ).fetchone()
            (deliveries,) = connection.execute(UNFINISHED_DELIVERIES).fetchone()
            return int(orders), int(deliveries)
    except psycopg.OperationalError:
        return None
