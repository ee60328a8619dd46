"""Cart admin: read-only, for support staff answering "what was in my cart?"."""

from __future__ import annotations

from django.contrib import admin

from domains.cart.models import Cart, CartItem
from shared.admin import ReadOnlyAdmin, ReadOnlyInline


class CartItemInline(ReadOnlyInline):
    model = CartItem
    fields = ("product_id", "quantity", "added_at")


@admin.register(Cart)
class CartAdmin(ReadOnlyAdmin):
    list_display = ("customer_id", "created_at", "updated_at")
    search_fields = ("customer_id",)
    readonly_fields = ("id", "customer_id", "created_at", "updated_at")
    inlines = (CartItemInline,)
