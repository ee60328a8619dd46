"""The ids of other domains' entities that catalog rows hold (see shared.references)."""

from __future__ import annotations

from domains.catalog.models import Reservation
from shared.references import ReferencePage, ReferenceSource, page_references

SOURCES = (
    ReferenceSource(
        source="catalog.Reservation",
        target="orders.order",
        rows=lambda: Reservation.objects.values_list("id", "order_id"),
    ),
)


def page(*, after: str, limit: int) -> ReferencePage:
    return page_references(SOURCES, after=after, limit=limit)
