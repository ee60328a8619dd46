"""The ids of other domains' entities that billing rows hold (see shared.references)."""

from __future__ import annotations

from domains.billing.models import Invoice, Payment
from shared.references import ReferencePage, ReferenceSource, page_references

SOURCES = (
    ReferenceSource(
        source="billing.Payment", target="orders.order", rows=lambda: Payment.objects.values_list("id", "order_id")
    ),
    ReferenceSource(
        source="billing.Payment", target="identity.user", rows=lambda: Payment.objects.values_list("id", "customer_id")
    ),
    ReferenceSource(
        source="billing.Invoice", target="orders.order", rows=lambda: Invoice.objects.values_list("id", "order_id")
    ),
    ReferenceSource(
        source="billing.Invoice", target="identity.user", rows=lambda: Invoice.objects.values_list("id", "customer_id")
    ),
)


def page(*, after: str, limit: int) -> ReferencePage:
    return page_references(SOURCES, after=after, limit=limit)
