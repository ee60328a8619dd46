"""Catalog admin. Writes go through the services so that their events are published and
their rules (stock never below what is reserved) hold."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from domains.catalog import inventory, services
from domains.catalog.models import Category, PriceHistory, Product, Reservation, ReservationLine, StockLevel
from shared.admin import ReadOnlyAdmin, ReadOnlyInline

PRICE_FIELDS = frozenset({"price_amount", "price_currency"})
STOCK_BELOW_RESERVED = "{reserved} units are reserved for open orders; set at least {reserved}."


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "price_amount", "price_currency", "is_active")
    list_filter = ("is_active", "category", "price_currency")
    list_select_related = ("category",)
    search_fields = ("sku", "name")
    readonly_fields = ("id", "created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: Product, form: ModelForm, change: bool) -> None:
        if not change:
            created = services.create_product(
                sku=obj.sku, name=obj.name, description=obj.description, price=obj.price, category_id=obj.category_id
            )
            obj.pk = created.id
            return
        if PRICE_FIELDS & set(form.changed_data):
            services.change_price(product_id=obj.id, price=obj.price)
        other_fields = [name for name in form.changed_data if name not in PRICE_FIELDS]
        if other_fields:
            obj.save(update_fields=[*other_fields, "updated_at"])

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"price_currency": "EUR", **super().get_changeform_initial_data(request)}


class StockLevelForm(forms.ModelForm):
    class Meta:
        model = StockLevel
        fields = ("on_hand",)

    def clean_on_hand(self) -> int:
        on_hand: int = self.cleaned_data["on_hand"]
        if on_hand < self.instance.reserved:
            raise forms.ValidationError(STOCK_BELOW_RESERVED.format(reserved=self.instance.reserved))
        return on_hand


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    form = StockLevelForm
    list_display = ("product", "on_hand", "reserved", "updated_at")
    list_select_related = ("product",)
    search_fields = ("product__sku", "product__name")
    fields = ("product", "on_hand", "reserved", "updated_at")
    readonly_fields = ("product", "reserved", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # every product gets its stock row when it is created

    def save_model(self, request: HttpRequest, obj: StockLevel, form: ModelForm, change: bool) -> None:
        inventory.set_stock(product_id=obj.product_id, on_hand=obj.on_hand)


class ReservationLineInline(ReadOnlyInline):
    model = ReservationLine
    fields = ("product", "quantity")


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "status", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("order_id",)
    inlines = (ReservationLineInline,)


@admin.register(PriceHistory)
class PriceHistoryAdmin(ReadOnlyAdmin):
    list_display = ("product_id", "old_amount", "new_amount", "currency", "changed_at")
