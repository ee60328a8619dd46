"""Catalog admin. Writes go through the services so that their events are published."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from domains.catalog import services
from domains.catalog.models import PriceHistory, Product

PRICE_FIELDS = frozenset({"price_amount", "price_currency"})


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "price_amount", "price_currency", "is_active")
    list_filter = ("is_active", "price_currency")
    search_fields = ("sku", "name")
    readonly_fields = ("id", "created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: Product, form: ModelForm, change: bool) -> None:
        if not change:
            created = services.create_product(sku=obj.sku, name=obj.name, description=obj.description, price=obj.price)
            obj.pk = created.id
            return
        if PRICE_FIELDS & set(form.changed_data):
            services.change_price(product_id=obj.id, price=obj.price)
        other_fields = [name for name in form.changed_data if name not in PRICE_FIELDS]
        if other_fields:
            obj.save(update_fields=[*other_fields, "updated_at"])

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"price_currency": "EUR", **super().get_changeform_initial_data(request)}


@admin.register(PriceHistory)
class PriceHistoryAdmin(admin.ModelAdmin):
    list_display = ("product_id", "old_amount", "new_amount", "currency", "changed_at")
    readonly_fields = ("product_id", "old_amount", "new_amount", "currency", "changed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
