"""Orders admin: read-only. An order changes only through the checkout saga, which keeps
its events, its history and the other domains in step."""

from __future__ import annotations

from django.contrib import admin

from domains.orders.models import Order, OrderHistory, OrderLine
from shared.admin import ReadOnlyAdmin, ReadOnlyInline


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("product_id", "sku", "name", "unit_price_amount", "quantity")


class OrderHistoryInline(ReadOnlyInline):
    model = OrderHistory
    fields = ("at", "status", "note")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer_id", "status", "total_amount", "currency", "placed_at")
    list_filter = ("status", "cancellation_reason", "currency")
    search_fields = ("id", "customer_id")
    date_hierarchy = "placed_at"
    exclude = ("payment_token",)
    inlines = (OrderLineInline, OrderHistoryInline)
