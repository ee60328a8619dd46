"""Checkout claims: one order per version of a cart, and no window in which stock stays held for nothing.

    claim ──> placing ──record──> placed ──(order cancelled)──> cancelled
                 │
                 └──abandon──> abandoned   + orders.CheckoutAbandoned (catalog releases the stock)

A checkout is claimed (a committed row, unique per customer and cart version among the
live ones) before any stock is reserved, so of two submits of one cart only one ever
reserves or charges. The row is the fence between the request placing the order and
anyone stopping it: recording the order and abandoning the checkout are both
conditional updates of `placing`, so exactly one of them wins, and the abandoning one
publishes the release in its own transaction.

Who abandons: the request itself when its checkout is refused or fails; another submit
of the same cart that finds the claim's process dead; the periodic sweep
(`abandon_stalled`) for a claim whose process died or that ran past
ORDERS_CHECKOUT_TIMEOUT_SECONDS; and catalog's expiry sweep, through the interface
(`abandon`), for a reservation whose order never appeared. Whether the process is dead
is told by its fence (shared.fencing), not by waiting: its PostgreSQL session lock, or
its process id on SQLite.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from uuid import UUID

from django.conf import settings
from django.db import DatabaseError, IntegrityError
from django.db.models import Value
from django.utils import timezone

from domains.orders.interface import CartAlreadyOrderedError, CheckoutAbandoned, CheckoutInProgressError, OrderStatus
from domains.orders.models import Checkout, CheckoutStatus, Order
from shared import fencing
from shared.bus.runtime import publish
from shared.db import atomic, database_for

logger = logging.getLogger(__name__)

LIVE = (CheckoutStatus.PLACING, CheckoutStatus.PLACED)
CLAIM_ATTEMPTS = 3


def fence_name(order_id: UUID) -> str:
    return f"orders.checkout:{order_id}"


def timeout() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ORDERS_CHECKOUT_TIMEOUT_SECONDS)


def refuse_repeat_or_concurrent(*, customer_id: UUID, cart_version: int) -> None:
    """Raise CartAlreadyOrderedError if this version of the cart became an order (a repeated submit), else
    CheckoutInProgressError if another order of the customer's waits for its payment.

    Both are asked in one statement (a UNION of the two reads); a repeated submit is told
    about its own order first.
    """
    placed = (
        Checkout.objects.filter(customer_id=customer_id, cart_version=cart_version, status=CheckoutStatus.PLACED)
        .annotate(found=Value(CheckoutStatus.PLACED))
        .values_list("found", "order_id")
        .order_by()  # a compound statement's parts may not be ordered (SQLite)
    )
    pending = (
        Order.objects.filter(customer_id=customer_id, status=OrderStatus.PENDING_PAYMENT)
        .annotate(found=Value(OrderStatus.PENDING_PAYMENT))
        .values_list("found", "id")
        .order_by()
    )
    found = dict(placed.union(pending, all=True))
    if CheckoutStatus.PLACED in found:
        raise CartAlreadyOrderedError(order_id=found[CheckoutStatus.PLACED])
    if OrderStatus.PENDING_PAYMENT in found:
        raise CheckoutInProgressError(order_id=found[OrderStatus.PENDING_PAYMENT])


def claim(*, customer_id: UUID, cart_version: int) -> UUID:
    """Claim the checkout of this cart version for this request; returns the id its order will get.

    The caller must `let_go` the returned id when it is done, whatever happened. Raises
    CartAlreadyOrderedError or CheckoutInProgressError when another submit of the same
    cart got there first; a claim whose process died is abandoned and taken afresh.
    """
    other: Checkout | None = None
    for _ in range(CLAIM_ATTEMPTS):
        order_id = uuid.uuid4()
        try:
            with atomic("orders"):
                Checkout.objects.create(
                    order_id=order_id,
                    customer_id=customer_id,
                    cart_version=cart_version,
                    holder=fencing.holder_id(),
                )
                fencing.hold(
                    fence_name(order_id), using=database_for("orders")
                )  # in the claim's transaction: never visible unfenced
            return order_id
        except IntegrityError:
            fencing.let_go(fence_name(order_id), using=database_for("orders"))
        other = Checkout.objects.filter(customer_id=customer_id, cart_version=cart_version, status__in=LIVE).first()
        if other is None:
            continue  # finished since: claim again
        if other.status == CheckoutStatus.PLACED:
            raise CartAlreadyOrderedError(order_id=other.order_id)
        if not stalled(other, now=timezone.now()):
            raise CheckoutInProgressError(order_id=other.order_id)
        abandon(order_id=other.order_id, release=True)
    # Claims kept changing under us (a storm of submits of one cart): name the latest one seen.
    raise CheckoutInProgressError(order_id=other.order_id if other is not None else order_id)


def let_go(order_id: UUID) -> None:
    fencing.let_go(fence_name(order_id), using=database_for("orders"))


def stalled(checkout: Checkout, *, now: dt.datetime) -> bool:
    """A placing checkout nobody will finish: its process is gone, or it ran past the timeout."""
    if now - checkout.started_at > timeout():
        return True
    return not fencing.holder_alive(fence_name(checkout.order_id), checkout.holder, using=database_for("orders"))


def place(order_id: UUID) -> bool:
    """Mark the claim placed, inside the transaction that records the order; False if it was abandoned."""
    placing = Checkout.objects.filter(order_id=order_id, status=CheckoutStatus.PLACING)
    return placing.update(status=CheckoutStatus.PLACED) == 1


def abandon(*, order_id: UUID, release: bool) -> bool:
    """Decide that `order_id` never becomes an order; True if this call decided it.

    With `release`, orders.CheckoutAbandoned is published in the same transaction, so
    whatever stock may have been reserved for the order is released even if this process
    dies next, and the claim stays as `abandoned`. Without (the catalog refused: nothing was
    reserved) the claim is deleted, so a refused checkout leaves nothing behind; no order
    can get an id that has neither a claim nor an order.
    """
    with atomic("orders"):
        checkout = Checkout.objects.select_for_update().filter(order_id=order_id, status=CheckoutStatus.PLACING).first()
        if checkout is None:
            return False
        if release:
            checkout.status = CheckoutStatus.ABANDONED
            checkout.save(update_fields=["status", "updated_at"])
            publish(CheckoutAbandoned(order_id=order_id, customer_id=checkout.customer_id))
        else:
            checkout.delete()
    logger.info("orders.checkout.abandoned", extra={"order_id": str(order_id), "release": release})
    return True


def abandon_after_failure(order_id: UUID) -> None:
    """A checkout failed after claiming: abandon it now if the database lets us, else the sweep will."""
    try:
        abandon(order_id=order_id, release=True)
    except DatabaseError:
        logger.warning("orders.checkout.abandon_deferred", extra={"order_id": str(order_id)}, exc_info=True)


def close(order_id: UUID) -> None:
    """The order was cancelled: its cart version may be checked out again (call in the cancelling transaction)."""
    Checkout.objects.filter(order_id=order_id, status=CheckoutStatus.PLACED).update(status=CheckoutStatus.CANCELLED)


def abandon_stalled(*, limit: int) -> int:
    """Abandon (and release) placing checkouts nobody will finish; returns how many."""
    now = timezone.now()
    abandoned = 0
    for checkout in Checkout.objects.filter(status=CheckoutStatus.PLACING).order_by("started_at")[:limit]:
        if stalled(checkout, now=now) and abandon(order_id=checkout.order_id, release=True):
            abandoned += 1
    return abandoned


def abandon_unless_placed(order_ids: tuple[UUID, ...]) -> tuple[UUID, ...]:
    """The ids among `order_ids` that are not orders and never will be, stopping checkouts still placing them.

    An id with no checkout and no order was never claimed here, so no order can get it later.
    """
    for order_id in order_ids:
        abandon(order_id=order_id, release=True)
    existing = set(Order.objects.filter(id__in=order_ids).values_list("id", flat=True))
    still_placing = Checkout.objects.filter(order_id__in=order_ids, status=CheckoutStatus.PLACING)
    placing = set(still_placing.values_list("order_id", flat=True))
    return tuple(order_id for order_id in order_ids if order_id not in existing and order_id not in placing)
