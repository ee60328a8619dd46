"""The ids of other domains' entities that notification rows hold (see shared.references)."""

from __future__ import annotations

from domains.notifications.models import Notification
from shared.references import ReferencePage, ReferenceSource, page_references

SOURCES = (
    ReferenceSource(
        source="notifications.Notification",
        target="identity.user",
        rows=lambda: Notification.objects.values_list("id", "customer_id"),
    ),
    ReferenceSource(
        source="notifications.Notification",
        target="orders.order",
        rows=lambda: Notification.objects.exclude(order_id=None).values_list("id", "order_id"),
    ),
)


def page(*, after: str, limit: int) -> ReferencePage:
    return page_references(SOURCES, after=after, limit=limit)
