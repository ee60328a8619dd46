"""Reservations expire unless their order is recorded: orders.OrderPlaced keeps them, orders.CheckoutAbandoned
releases them, and what expired is listed for the checkout sweep (config.checkout_sweep) to settle."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from django.utils import timezone

from domains.catalog.interface import ReservationStatus, catalog
from domains.catalog.models import Reservation
from domains.catalog.tests.factories import line, make_product, stock_of
from domains.orders.interface import CheckoutAbandoned, OrderPlaced
from shared.bus.runtime import publish
from shared.money import Money

pytestmark = pytest.mark.django_db


def expire(order_id: uuid.UUID) -> None:
    Reservation.objects.filter(order_id=order_id).update(expires_at=timezone.now() - dt.timedelta(seconds=1))


def test_a_recorded_order_keeps_its_reservation_from_expiring(django_capture_on_commit_callbacks: Callable) -> None:
    tea = make_product(on_hand=10)
    order_id = uuid.uuid4()
    catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),))

    with django_capture_on_commit_callbacks(execute=True):
        publish(OrderPlaced(order_id=order_id, customer_id=uuid.uuid4(), total=Money.zero("EUR"), lines=()))

    kept = catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),))  # idempotent: the existing one
    assert (kept.status, kept.expires_at) == (ReservationStatus.ACTIVE, None)
    assert stock_of(tea) == (10, 4)


def test_an_abandoned_checkout_releases_its_reservation_once(django_capture_on_commit_callbacks: Callable) -> None:
    tea = make_product(on_hand=10)
    order_id = uuid.uuid4()
    catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),))
    abandoned = CheckoutAbandoned(order_id=order_id, customer_id=uuid.uuid4())

    with django_capture_on_commit_callbacks(execute=True):
        publish(abandoned)
        publish(abandoned)

    assert catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),)).status == ReservationStatus.RELEASED
    assert stock_of(tea) == (10, 0)


def test_only_active_reservations_past_their_expiry_are_listed_oldest_first() -> None:
    tea = make_product(on_hand=10)
    late, later, fresh, kept, released = (uuid.uuid4() for _ in range(5))
    for order_id in (late, later, fresh, kept, released):
        catalog.reserve_stock(order_id=order_id, lines=(line(tea, 1),))
    Reservation.objects.filter(order_id=late).update(expires_at=timezone.now() - dt.timedelta(seconds=9))
    Reservation.objects.filter(order_id=later).update(expires_at=timezone.now() - dt.timedelta(seconds=5))
    for order_id in (kept, released):
        expire(order_id)
    catalog.keep_reservation(order_id=kept)
    catalog.release_reservation(order_id=released)

    expired = catalog.expired_reservations()

    assert [(r.order_id, r.status, r.lines) for r in expired] == [
        (late, ReservationStatus.ACTIVE, (line(tea, 1),)),
        (later, ReservationStatus.ACTIVE, (line(tea, 1),)),
    ]
    assert [r.order_id for r in catalog.expired_reservations(limit=1)] == [late]


def test_keeping_a_finished_or_missing_reservation_changes_nothing() -> None:
    tea = make_product(on_hand=10)
    released = uuid.uuid4()
    catalog.reserve_stock(order_id=released, lines=(line(tea, 3),))
    catalog.release_reservation(order_id=released)

    assert catalog.keep_reservation(order_id=released).status == ReservationStatus.RELEASED  # type: ignore[union-attr]
    assert catalog.keep_reservation(order_id=uuid.uuid4()) is None
    assert stock_of(tea) == (10, 0)
