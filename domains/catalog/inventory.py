"""Stock and reservations: how the catalog never sells a unit twice.

    available = on_hand - reserved

reserve   an order holds units: reserved += n           (all lines of the order, or none)
keep      the order was recorded: no expiry any more
commit    the order was confirmed: on_hand -= n, reserved -= n
release   the order was cancelled, abandoned, or never recorded in time: reserved -= n

A reservation expires CATALOG_RESERVATION_TTL_SECONDS after it is made unless its order is
recorded (orders.OrderPlaced keeps it). The checkout sweep (config.checkout_sweep) finds
the expired ones and, once orders confirms that no order will ever get their id,
releases them: a request that died between reserving and recording holds nothing for long.

Concurrency: a reservation locks the stock rows it touches (SELECT ... FOR UPDATE, in
product id order so that two orders never wait on each other in a cycle) and checks
availability under the lock. The table's CHECK constraint (0 <= reserved <= on_hand)
backs this up in the database itself. Every operation is idempotent per order id,
because its callers (an interface call, an event handler) may retry.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from domains.catalog import selectors
from domains.catalog.interface import (
    MAX_RESERVATION_LINES,
    MAX_STOCK,
    InsufficientStockError,
    ProductDTO,
    ProductInvalidError,
    ProductNotForSaleError,
    ProductNotFoundError,
    ReservationDTO,
    ReservationInvalidError,
    ReservationStatus,
    StockBelowReservedError,
    StockLineDTO,
)
from domains.catalog.models import Reservation, ReservationLine, StockLevel
from shared.db import atomic

logger = logging.getLogger(__name__)

ON_HAND_OUT_OF_RANGE = f"Stock on hand must be a whole number from 0 to {MAX_STOCK}."
NO_LINES = "it names no products"
TOO_MANY_LINES = f"it names more than {MAX_RESERVATION_LINES} products"
BAD_QUANTITY = "product {product_id} is asked for {quantity} units"


def check_on_hand(on_hand: int) -> None:
    if not 0 <= on_hand <= MAX_STOCK:
        raise ProductInvalidError(field_errors={"on_hand": (ON_HAND_OUT_OF_RANGE,)})


def set_stock(*, product_id: UUID, on_hand: int) -> ProductDTO:
    """Set the units on hand of a product; never below what open orders have reserved."""
    check_on_hand(on_hand)
    with atomic("catalog"):
        stock = StockLevel.objects.select_for_update().filter(product_id=product_id).first()
        if stock is None:
            raise ProductNotFoundError(product_id=product_id)
        if on_hand < stock.reserved:
            raise StockBelowReservedError(product_id=product_id, on_hand=on_hand, reserved=stock.reserved)
        stock.on_hand = on_hand
        stock.save(update_fields=["on_hand", "updated_at"])
    return selectors.get_product(product_id=product_id)


def _wanted(order_id: UUID, lines: tuple[StockLineDTO, ...]) -> dict[UUID, int]:
    """Units wanted per product (lines naming one product twice are added up), validated."""
    wanted: Counter[UUID] = Counter()
    for line in lines:
        if not 1 <= line.quantity <= MAX_STOCK:
            reason = BAD_QUANTITY.format(product_id=line.product_id, quantity=line.quantity)
            raise ReservationInvalidError(order_id=order_id, reason=reason)
        wanted[line.product_id] += line.quantity
    if not wanted:
        raise ReservationInvalidError(order_id=order_id, reason=NO_LINES)
    if len(wanted) > MAX_RESERVATION_LINES:
        raise ReservationInvalidError(order_id=order_id, reason=TOO_MANY_LINES)
    return dict(sorted(wanted.items()))


def reservation_ttl() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CATALOG_RESERVATION_TTL_SECONDS)


def reserve_stock(*, order_id: UUID, lines: tuple[StockLineDTO, ...]) -> ReservationDTO:
    """Hold stock for every line of an order, or for none (raising why); see the module docstring."""
    wanted = _wanted(order_id, lines)
    try:
        with atomic("catalog"):
            # The reservation first: one per order id, so a repeated call (or one after a
            # release left a tombstone) fails here and is answered from the row, holding nothing.
            reservation = Reservation.objects.create(order_id=order_id, expires_at=timezone.now() + reservation_ttl())
            _hold(wanted)
            ReservationLine.objects.bulk_create(
                ReservationLine(reservation=reservation, product_id=product_id, quantity=quantity)
                for product_id, quantity in wanted.items()
            )
    except IntegrityError:
        existing = selectors.get_reservation(order_id=order_id)
        if existing is None:
            raise
        return existing  # made before (a retry, a release's tombstone) or by a concurrent call
    return ReservationDTO(
        order_id=order_id,
        status=ReservationStatus.ACTIVE,
        lines=tuple(StockLineDTO(product_id=product_id, quantity=quantity) for product_id, quantity in wanted.items()),
        expires_at=reservation.expires_at,
    )


def _hold(wanted: dict[UUID, int]) -> None:
    """Lock the stock rows in product order, check every line, then add to `reserved`."""
    stocks = {
        stock.product_id: stock
        for stock in StockLevel.objects.select_for_update(of=("self",))
        .select_related("product")
        .filter(product_id__in=wanted)
        .order_by("product_id")
    }
    for product_id, quantity in wanted.items():
        stock = stocks.get(product_id)
        if stock is None:
            raise ProductNotFoundError(product_id=product_id)
        if not stock.product.is_active:
            raise ProductNotForSaleError(product_id=product_id, sku=stock.product.sku)
        if stock.available < quantity:
            raise InsufficientStockError(
                product_id=product_id, sku=stock.product.sku, requested=quantity, available=max(stock.available, 0)
            )
    StockLevel.objects.filter(product_id__in=wanted).update(reserved=F("reserved") + _per_product(wanted))


def _per_product(amounts: dict[UUID, int]) -> Case:
    """`amounts[product_id]` for each stock row, so that one UPDATE changes every line's row."""
    return Case(
        *(When(product_id=product_id, then=Value(amount)) for product_id, amount in amounts.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def commit_reservation(*, order_id: UUID) -> ReservationDTO | None:
    """The order was confirmed: its reserved units leave the stock for good."""
    return _finish(order_id, ReservationStatus.COMMITTED)


def release_reservation(*, order_id: UUID) -> ReservationDTO | None:
    """The order was cancelled (or never placed): its reserved units are available again.

    An order that reserved nothing yet gets a released reservation without lines (a
    tombstone), so that a reservation arriving late for it, from a request that was given
    up on, holds nothing: reserve_stock returns the tombstone.
    """
    try:
        with atomic("catalog"):
            released = _finish(order_id, ReservationStatus.RELEASED)
            if released is None:
                Reservation.objects.create(order_id=order_id, status=ReservationStatus.RELEASED)
                return None
            return released
    except IntegrityError:  # the reservation was made meanwhile: release it
        return _finish(order_id, ReservationStatus.RELEASED)


def keep_reservation(*, order_id: UUID) -> ReservationDTO | None:
    """The order was recorded: its reservation no longer expires."""
    keep(order_id=order_id)
    return selectors.get_reservation(order_id=order_id)


def keep(*, order_id: UUID) -> None:
    """keep_reservation without reading the reservation back (orders.OrderPlaced's handler needs nothing back)."""
    Reservation.objects.filter(order_id=order_id, status=ReservationStatus.ACTIVE).update(
        expires_at=None, updated_at=timezone.now()
    )


def expired_reservations(*, limit: int) -> tuple[ReservationDTO, ...]:
    expired = (
        Reservation.objects.prefetch_related("lines")
        .filter(status=ReservationStatus.ACTIVE, expires_at__lte=timezone.now())
        .order_by("expires_at", "id")[:limit]
    )
    return tuple(selectors.reservation_dto(reservation) for reservation in expired)


def _finish(order_id: UUID, outcome: ReservationStatus) -> ReservationDTO | None:
    with atomic("catalog"):
        reservation = (
            Reservation.objects.select_for_update().prefetch_related("lines").filter(order_id=order_id).first()
        )
        if reservation is None:
            return None
        if reservation.status != ReservationStatus.ACTIVE:
            if reservation.status != outcome:
                logger.warning(
                    "catalog.reservation.already_finished",
                    extra={"order_id": str(order_id), "status": reservation.status, "asked": str(outcome)},
                )
            return selectors.reservation_dto(reservation)
        held = {line.product_id: line.quantity for line in reservation.lines.all()}
        if held:
            taken = held if outcome == ReservationStatus.COMMITTED else dict.fromkeys(held, 0)
            StockLevel.objects.filter(product_id__in=held).update(
                on_hand=F("on_hand") - _per_product(taken), reserved=F("reserved") - _per_product(held)
            )
        reservation.status = outcome
        reservation.expires_at = None
        reservation.save(update_fields=["status", "expires_at", "updated_at"])
    return selectors.reservation_dto(reservation)
