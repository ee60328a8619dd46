"""Orders admin: read-only. An order changes only through the checkout saga, which keeps
its events, its history and the other domains in step."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from domains.orders.models import Order, OrderHistory, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ("product_id", "sku", "name", "unit_price_amount", "quantity")
    readonly_fields = fields
    extra = 0
    can_delete = False


class OrderHistoryInline(admin.TabularInline):
    model = OrderHistory
    fields = ("at", "status", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("id", "customer_id", "status", "total_amount", "currency", "placed_at")
    list_filter = ("status", "cancellation_reason", "currency")
    search_fields = ("id", "customer_id")
    date_hierarchy = "placed_at"
    exclude = ("payment_token",)
    inlines = (OrderLineInline, OrderHistoryInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
