"""Output shapes of the billing API (it takes no input: payments start at checkout)."""

from __future__ import annotations

from rest_framework import serializers

from shared.api.serializers import MoneySerializer


class InvoiceLineOutputSerializer(serializers.Serializer):
    description = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = MoneySerializer()
    line_total = MoneySerializer()


class InvoiceOutputSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    total = MoneySerializer()
    lines = InvoiceLineOutputSerializer(many=True)
    issued_at = serializers.DateTimeField()


class PaymentOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    order_id = serializers.UUIDField()
    amount = MoneySerializer()
    status = serializers.CharField()
    failure_reason = serializers.CharField()
    attempts = serializers.IntegerField()
    invoice = InvoiceOutputSerializer()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
