from __future__ import annotations

from rest_framework import serializers


class MoneySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField()


class ProductOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    price = MoneySerializer()


class ProductSearchSerializer(serializers.Serializer):
    search = serializers.CharField(required=False, default="", allow_blank=True, max_length=100, trim_whitespace=True)
