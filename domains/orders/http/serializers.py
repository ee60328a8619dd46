"""Input and output shapes of the orders API."""

from __future__ import annotations

from rest_framework import serializers

from domains.orders.interface import PAYMENT_TOKEN_PATTERN, OrderStatus
from shared.api.serializers import (
    MoneySerializer,
    StrictQuerySerializer,
    StrictRegexField,
    StrictSerializer,
    StrictUUIDField,
)

PAYMENT_TOKEN_INVALID = (
    "Use the token your payment provider gave for the customer's payment method, such as 'tok_visa' "
    "(letters, digits and underscores after 'tok_')."
)


class CheckoutInputSerializer(StrictSerializer):
    payment_token = StrictRegexField(PAYMENT_TOKEN_PATTERN, error_messages={"invalid": PAYMENT_TOKEN_INVALID})


class CustomerOrderQuerySerializer(StrictQuerySerializer):
    """Query string of GET /api/orders/: the caller's own orders, optionally of one status."""

    status = serializers.ChoiceField(required=False, choices=[s.value for s in OrderStatus])


class OrderListQuerySerializer(CustomerOrderQuerySerializer):
    """Query string of GET /api/orders/all/ (staff): any customer's orders."""

    customer_id = StrictUUIDField(required=False)


class OrderLineOutputSerializer(serializers.Serializer):
    product_id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    unit_price = MoneySerializer()
    quantity = serializers.IntegerField()
    line_total = MoneySerializer()


class OrderOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    customer_id = serializers.UUIDField()
    status = serializers.CharField()
    total = MoneySerializer()
    lines = OrderLineOutputSerializer(many=True)
    cancellation_reason = serializers.CharField(allow_null=True)
    placed_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class OrderHistoryOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


class OrderDetailOutputSerializer(OrderOutputSerializer):
    """One order, with the history of its status (GET /api/orders/<id>/)."""

    history = OrderHistoryOutputSerializer(many=True)
