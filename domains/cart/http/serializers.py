"""Input and output shapes of the cart API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from domains.cart.interface import MAX_QUANTITY
from domains.cart.selectors import PricedCart, PricedLine
from shared.api.serializers import MoneySerializer, StrictIntegerField, StrictSerializer, StrictUUIDField


class AddItemInputSerializer(StrictSerializer):
    product_id = StrictUUIDField()
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)


class SetQuantityInputSerializer(StrictSerializer):
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)


class CartLineOutputSerializer(serializers.Serializer):
    product_id = StrictUUIDField()
    quantity = serializers.IntegerField()
    sku = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    unit_price = serializers.SerializerMethodField()
    line_total = MoneySerializer(allow_null=True)
    for_sale = serializers.BooleanField()
    available = serializers.SerializerMethodField()

    def get_sku(self, line: PricedLine) -> str | None:
        return line.product.sku if line.product is not None else None

    def get_name(self, line: PricedLine) -> str | None:
        return line.product.name if line.product is not None else None

    def get_unit_price(self, line: PricedLine) -> dict[str, Any] | None:
        return MoneySerializer(line.product.price).data if line.product is not None and line.for_sale else None

    def get_available(self, line: PricedLine) -> int:
        """Units the catalog can sell now; fewer than `quantity` means checkout would be refused."""
        return line.product.available if line.product is not None and line.for_sale else 0


class CartOutputSerializer(serializers.Serializer):
    lines = CartLineOutputSerializer(many=True)
    subtotals = MoneySerializer(many=True)
    item_count = serializers.SerializerMethodField()

    def get_item_count(self, cart: PricedCart) -> int:
        return sum(line.quantity for line in cart.lines)
