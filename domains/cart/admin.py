"""Cart admin: read-only, for support staff answering "what was in my cart?"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from domains.cart.models import Cart, CartItem


class CartItemInline(admin.TabularInline):
    model = CartItem
    fields = ("product_id", "quantity", "added_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ("customer_id", "created_at", "updated_at")
    search_fields = ("customer_id",)
    readonly_fields = ("id", "customer_id", "created_at", "updated_at")
    inlines = (CartItemInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
