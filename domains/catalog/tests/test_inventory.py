"""Stock and reservations: reserve all or nothing, commit and release once, never below zero."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError
from django.test import override_settings
from django.utils import timezone

from domains.catalog import inventory
from domains.catalog.interface import (
    MAX_RESERVATION_LINES,
    MAX_STOCK,
    InsufficientStockError,
    ProductNotForSaleError,
    ProductNotFoundError,
    ReservationDTO,
    ReservationInvalidError,
    ReservationStatus,
    StockBelowReservedError,
    catalog,
)
from domains.catalog.models import Reservation, StockLevel
from domains.catalog.tests.factories import line, make_product, stock_of
from shared.db import atomic

pytestmark = pytest.mark.django_db


@override_settings(CATALOG_RESERVATION_TTL_SECONDS=600)
def test_a_reservation_holds_units_so_they_are_no_longer_available_until_it_expires() -> None:
    tea, mug = make_product(on_hand=10), make_product(name="Mug", on_hand=3)
    order_id = uuid.uuid4()

    before = timezone.now()
    reservation = catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4), line(mug, 3)))
    after = timezone.now()

    assert reservation.expires_at is not None
    assert before + dt.timedelta(seconds=600) <= reservation.expires_at <= after + dt.timedelta(seconds=600)
    assert reservation == ReservationDTO(
        order_id=order_id,
        status=ReservationStatus.ACTIVE,
        lines=tuple(sorted((line(tea, 4), line(mug, 3)), key=lambda stock_line: stock_line.product_id)),
        expires_at=reservation.expires_at,
    )
    assert (stock_of(tea), stock_of(mug)) == ((10, 4), (3, 3))
    assert (catalog.get_product(product_id=tea.id).available, catalog.get_product(product_id=mug.id).available) == (
        6,
        0,
    )


def test_lines_naming_one_product_twice_are_added_up() -> None:
    tea = make_product(on_hand=10)

    reservation = catalog.reserve_stock(order_id=uuid.uuid4(), lines=(line(tea, 2), line(tea, 3)))

    assert reservation.lines == (line(tea, 5),)
    assert stock_of(tea) == (10, 5)


def test_a_reservation_short_of_one_product_holds_nothing_and_names_that_product() -> None:
    tea, mug = make_product(on_hand=10), make_product(name="Mug", sku="MUG-1", on_hand=2)
    order_id = uuid.uuid4()

    with pytest.raises(InsufficientStockError) as raised:
        catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4), line(mug, 3)))

    assert raised.value.params == {"product_id": mug.id, "sku": "MUG-1", "requested": 3, "available": 2}
    assert (stock_of(tea), stock_of(mug)) == ((10, 0), (2, 0))
    assert not Reservation.objects.filter(order_id=order_id).exists()


def test_reserving_again_for_the_same_order_returns_the_first_reservation_and_holds_nothing_more() -> None:
    tea = make_product(on_hand=10)
    order_id = uuid.uuid4()
    first = catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),))

    again = catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),))

    assert again == first
    assert stock_of(tea) == (10, 4)


def test_a_discontinued_product_cannot_be_reserved() -> None:
    tea = make_product(on_hand=10, sku="OLD-1")
    catalog.discontinue_product(product_id=tea.id)

    with pytest.raises(ProductNotForSaleError) as raised:
        catalog.reserve_stock(order_id=uuid.uuid4(), lines=(line(tea, 1),))

    assert raised.value.params == {"product_id": tea.id, "sku": "OLD-1"}
    assert stock_of(tea) == (10, 0)


def test_an_unknown_product_cannot_be_reserved() -> None:
    tea, ghost = make_product(on_hand=10), uuid.uuid4()

    with pytest.raises(ProductNotFoundError) as raised:
        catalog.reserve_stock(order_id=uuid.uuid4(), lines=(line(tea, 1), line(ghost, 1)))

    assert raised.value.params == {"product_id": ghost}
    assert stock_of(tea) == (10, 0)
    assert Reservation.objects.count() == 0


@pytest.mark.parametrize(
    ("quantities", "reason"),
    [
        pytest.param((), "it names no products", id="no-lines"),
        pytest.param((0,), "is asked for 0 units", id="zero"),
        pytest.param((-2,), "is asked for -2 units", id="negative"),
        pytest.param((MAX_STOCK + 1,), f"is asked for {MAX_STOCK + 1} units", id="more-than-the-shop-can-hold"),
    ],
)
def test_a_reservation_with_silly_quantities_is_refused(quantities: tuple[int, ...], reason: str) -> None:
    tea = make_product(on_hand=10)

    with pytest.raises(ReservationInvalidError) as raised:
        catalog.reserve_stock(order_id=uuid.uuid4(), lines=tuple(line(tea, q) for q in quantities))

    assert reason in raised.value.params["reason"]
    assert stock_of(tea) == (10, 0)


def test_a_reservation_naming_too_many_products_is_refused() -> None:
    lines = tuple(line(uuid.uuid4(), 1) for _ in range(MAX_RESERVATION_LINES + 1))

    with pytest.raises(ReservationInvalidError) as raised:
        catalog.reserve_stock(order_id=uuid.uuid4(), lines=lines)

    assert raised.value.params["reason"] == inventory.TOO_MANY_LINES


def test_committing_takes_the_units_out_of_stock_once() -> None:
    tea = make_product(on_hand=10)
    order_id = uuid.uuid4()
    catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),))

    inventory.commit_reservation(order_id=order_id)
    again = inventory.commit_reservation(order_id=order_id)

    assert again is not None
    assert again.status == ReservationStatus.COMMITTED
    assert stock_of(tea) == (6, 0)


def test_releasing_makes_the_units_available_again_once() -> None:
    tea = make_product(on_hand=10)
    order_id = uuid.uuid4()
    catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),))

    catalog.release_reservation(order_id=order_id)
    again = catalog.release_reservation(order_id=order_id)

    assert again is not None
    assert again.status == ReservationStatus.RELEASED
    assert stock_of(tea) == (10, 0)


def test_a_committed_reservation_is_not_released_and_a_released_one_not_committed() -> None:
    tea = make_product(on_hand=10)
    sold, dropped = uuid.uuid4(), uuid.uuid4()
    catalog.reserve_stock(order_id=sold, lines=(line(tea, 4),))
    catalog.reserve_stock(order_id=dropped, lines=(line(tea, 2),))
    inventory.commit_reservation(order_id=sold)
    inventory.release_reservation(order_id=dropped)

    assert catalog.release_reservation(order_id=sold).status == ReservationStatus.COMMITTED  # type: ignore[union-attr]
    assert inventory.commit_reservation(order_id=dropped).status == ReservationStatus.RELEASED  # type: ignore[union-attr]
    assert stock_of(tea) == (6, 0)


def test_releasing_for_an_order_that_reserved_nothing_holds_nothing_and_a_late_reservation_holds_nothing() -> None:
    tea = make_product(on_hand=10)
    order_id = uuid.uuid4()

    assert catalog.release_reservation(order_id=order_id) is None
    late = catalog.reserve_stock(order_id=order_id, lines=(line(tea, 4),))

    assert late == ReservationDTO(order_id=order_id, status=ReservationStatus.RELEASED, lines=(), expires_at=None)
    assert stock_of(tea) == (10, 0)


def test_stock_can_be_set_but_not_below_what_is_reserved() -> None:
    tea = make_product(on_hand=10)
    catalog.reserve_stock(order_id=uuid.uuid4(), lines=(line(tea, 4),))

    assert catalog.set_stock(product_id=tea.id, on_hand=4).available == 0
    with pytest.raises(StockBelowReservedError) as raised:
        catalog.set_stock(product_id=tea.id, on_hand=3)

    assert raised.value.params == {"product_id": tea.id, "on_hand": 3, "reserved": 4}
    assert stock_of(tea) == (4, 4)


@pytest.mark.parametrize(
    ("on_hand", "reserved"),
    [
        pytest.param(-1, 0, id="negative-on-hand"),
        pytest.param(3, -1, id="negative-reserved"),
        pytest.param(3, 4, id="reserved-above-on-hand"),
        pytest.param(MAX_STOCK + 1, 0, id="on-hand-above-the-maximum"),
    ],
)
def test_the_database_itself_refuses_impossible_stock(on_hand: int, reserved: int) -> None:
    tea = make_product(on_hand=10)

    with pytest.raises(IntegrityError), atomic("catalog"):
        StockLevel.objects.filter(product_id=tea.id).update(on_hand=on_hand, reserved=reserved)

    assert stock_of(tea) == (10, 0)
