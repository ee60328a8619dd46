"""Input and output shapes of the catalog API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from domains.catalog.interface import MAX_STOCK
from domains.catalog.models import MAX_PRICE
from domains.catalog.selectors import ProductOrdering, ProductQuery
from shared.api.serializers import (
    MoneySerializer,
    QueryBooleanField,
    StrictAmountField,
    StrictCharField,
    StrictIntegerField,
    StrictQuerySerializer,
    StrictRegexField,
    StrictSerializer,
    StrictUUIDField,
)

PRODUCT_SKU_INVALID = "Use letters, digits, '.', '_' and '-' only, starting with a letter or digit (e.g. 'TEA-001')."


class CategoryOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()


class ProductOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    price = MoneySerializer()
    category = CategoryOutputSerializer(allow_null=True)
    available = serializers.IntegerField()
    in_stock = serializers.SerializerMethodField()

    def get_in_stock(self, product: Any) -> bool:
        return product.available > 0


class ProductQuerySerializer(StrictQuerySerializer):
    """Query string of GET /api/catalog/products/; validated data is a selectors.ProductQuery.

    Each parameter is checked on its own, as the OpenAPI schema can say: a min_price above
    max_price is a range nothing is in, so the answer is an empty list, not an error the
    schema could not document.
    """

    search = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)
    category = serializers.SlugField(required=False, default="", allow_blank=True, max_length=64)
    min_price = StrictAmountField(required=False, max_digits=12, decimal_places=2, min_value=0, max_value=MAX_PRICE)
    max_price = StrictAmountField(required=False, max_digits=12, decimal_places=2, min_value=0, max_value=MAX_PRICE)
    in_stock = QueryBooleanField(required=False, default=False)
    ordering = serializers.ChoiceField(
        required=False, default=ProductOrdering.NAME, choices=[o.value for o in ProductOrdering]
    )

    def validate(self, attrs: dict[str, Any]) -> ProductQuery:  # type: ignore[override]
        return ProductQuery(**{**attrs, "ordering": ProductOrdering(attrs["ordering"])})


class ProductInputSerializer(StrictSerializer):
    sku = StrictRegexField(
        r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=64, error_messages={"invalid": PRODUCT_SKU_INVALID}
    )
    name = StrictCharField(max_length=200)
    description = StrictCharField(required=False, default="", allow_blank=True, max_length=5000)
    price = MoneySerializer()
    category_id = StrictUUIDField(required=False, allow_null=True, default=None)
    on_hand = StrictIntegerField(required=False, default=0, min_value=0, max_value=MAX_STOCK)


class StockInputSerializer(StrictSerializer):
    on_hand = StrictIntegerField(min_value=0, max_value=MAX_STOCK)
