"""The checkout sweep: every checkout ends as an order or a release, even when the request placing it died.

A checkout claims the cart, reserves stock in catalog, then records the order. A request
can die between any two steps (its process killed, the database restarting under it). Two
passes, both through the domains' interfaces, make sure nothing stays held for an order
that does not exist:

1. `orders.abandon_stalled_checkouts`: checkouts whose process is gone (told by its fence
   at once, see shared.fencing) or that ran past ORDERS_CHECKOUT_TIMEOUT_SECONDS are
   abandoned; orders publishes CheckoutAbandoned with that decision and catalog releases
   the stock.
2. Catalog's expired reservations (not kept by an OrderPlaced within
   CATALOG_RESERVATION_TTL_SECONDS): orders is asked to abandon their checkouts, which
   answers, fenced against a request recording the order at that very moment, which ids
   will never be orders. Those are released; the others belong to recorded orders whose
   OrderPlaced has not reached catalog yet, and are kept.

The second pass is the dangling-reference check of config.integrity made safe to act on:
an active reservation whose order does not exist is a dangling reference
(`find_dangling_references` lists it), but it may also be a checkout being recorded right
now, so it is released only after its expiry and only once orders has fenced the id.

It lives here, in the composition root, because it is the one job that needs both
domains; it runs every CHECKOUT_SWEEP_SECONDS from celery beat (`shop.checkout_sweep`) or
`python manage.py checkout_sweep`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from domains.catalog.interface import catalog
from domains.orders.interface import orders

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepReport:
    abandoned: int
    """Checkouts stopped because their process died or they took too long."""
    released: int
    """Expired reservations released: no order ever got their id."""
    kept: int
    """Expired reservations kept: their order exists."""

    def __str__(self) -> str:
        return f"abandoned={self.abandoned} released={self.released} kept={self.kept}"

    @property
    def total(self) -> int:
        return self.abandoned + self.released + self.kept


def sweep(*, limit: int = 100) -> SweepReport:
    """One pass of each kind, at most `limit` checkouts and `limit` reservations."""
    abandoned = orders.abandon_stalled_checkouts(limit=limit)
    expired = catalog.expired_reservations(limit=limit)
    never_ordered = set(orders.abandon_checkouts(order_ids=tuple(r.order_id for r in expired)))
    for reservation in expired:
        if reservation.order_id in never_ordered:
            catalog.release_reservation(order_id=reservation.order_id)
        else:
            catalog.keep_reservation(order_id=reservation.order_id)
    report = SweepReport(abandoned=abandoned, released=len(never_ordered), kept=len(expired) - len(never_ordered))
    if report.total:
        logger.info("checkout.sweep %s", report)
    return report
