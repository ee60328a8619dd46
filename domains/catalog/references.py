"""The ids of other domains' entities that catalog rows hold (see shared.references)."""

from __future__ import annotations

from domains.catalog.interface import ReservationStatus
from domains.catalog.models import Reservation
from shared.references import ReferencePage, ReferenceSource, page_references

# Reservations that hold or took stock for an order. A released one holds nothing: its order
# was cancelled, or was never recorded (a checkout abandoned, or a tombstone), which is
# exactly why it was released, so it is no dangling reference. An active one whose order
# does not exist is, until the checkout sweep releases it (or, for a moment, while its
# checkout is being recorded).
SOURCES = (
    ReferenceSource(
        source="catalog.Reservation",
        target="orders.order",
        rows=lambda: Reservation.objects.exclude(status=ReservationStatus.RELEASED).values_list("id", "order_id"),
    ),
)


def page(*, after: str, limit: int) -> ReferencePage:
    return page_references(SOURCES, after=after, limit=limit)
