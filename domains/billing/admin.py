"""Billing admin: read-only. Payments and invoices change only through billing's services,
which keep the provider, the invoice and the published events in step."""

from __future__ import annotations

from django.contrib import admin

from domains.billing.models import Invoice, InvoiceLine, Payment
from shared.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "order_id", "customer_id", "amount", "currency", "status", "attempts", "created_at")
    list_filter = ("status", "currency")
    search_fields = ("id", "order_id", "customer_id", "provider_reference")
    exclude = ("payment_token",)


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ("description", "quantity", "unit_price_amount")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "order_id", "customer_id", "total_amount", "currency", "status", "issued_at")
    list_filter = ("status",)
    search_fields = ("order_id", "customer_id")
    inlines = (InvoiceLineInline,)
