"""DRF fields for kernel types, so every domain's API writes money the same way."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from shared.money import Money

MAX_AMOUNT = Decimal("1000000.00")
CURRENCY_INVALID = "Use a three-letter ISO 4217 currency code in capitals, such as 'EUR'."


class StrictUUIDField(serializers.UUIDField):
    """A UUID given as text only. DRF's UUIDField also turns a JSON number into a UUID
    (42 -> 00000000-0000-0000-0000-00000000002a), which hides a client's type error."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class MoneySerializer(serializers.Serializer):
    """{"amount": "12.50", "currency": "EUR"}: the amount as a string, so no client parses it as a float.

    Validated input is a shared.money.Money.
    """

    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), max_value=MAX_AMOUNT, coerce_to_string=True
    )
    currency = serializers.RegexField(r"^[A-Z]{3}$", error_messages={"invalid": CURRENCY_INVALID})

    def validate(self, attrs: dict[str, Any]) -> Money:  # type: ignore[override]
        return Money(amount=attrs["amount"], currency=attrs["currency"])

    def to_representation(self, instance: Money) -> dict[str, Any]:
        return {"amount": f"{instance.amount:.2f}", "currency": instance.currency}
