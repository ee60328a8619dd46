"""DRF fields every domain's API shares: strict input, and money written one way.

Input is strict because DRF is lenient in ways that hide a client's mistakes: a field the
serializer does not declare is dropped without a word (a typo such as "quantty", or a
"unit_price" the client hoped would count), a CharField turns 42 into "42", an
IntegerField takes "2", 2.0 and "2.0", a UUIDField takes a JSON number. A
client that sends the wrong thing gets a 400 naming the field instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from shared.money import Money, currency_codes

MAX_AMOUNT = Decimal("1000000.00")
CURRENCY_INVALID = "Use a three-letter ISO 4217 currency code in capitals, such as 'EUR'."
AMOUNT_NOT_TEXT = 'Send the amount as a string of digits with at most two decimals, such as "12.50".'
AMOUNT_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")  # the sign is left to min_value's message
UNKNOWN_FIELD = "Unknown field. This endpoint accepts: {fields}."
NOT_A_STRING = "Not a valid string: send text in double quotes."
NOT_AN_INTEGER = "Not a whole number: send digits without quotes or a decimal point, such as 2."


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare, each under its own name, listing those it accepts."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                message = UNKNOWN_FIELD.format(fields=", ".join(sorted(self.fields)))
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A CharField that takes only strings: DRF's own turns 42 into "42"."""

    default_error_messages = {"not_a_string": NOT_A_STRING}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictEmailField(StrictCharField, serializers.EmailField):
    pass


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that takes only a JSON integer: DRF's own takes "2", 2.0 and true."""

    default_error_messages = {"invalid": NOT_AN_INTEGER}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A UUID given as text only. DRF's UUIDField also turns a JSON number into a UUID
    (42 -> 00000000-0000-0000-0000-00000000002a), which hides a client's type error."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class StrictAmountField(serializers.DecimalField):
    """A decimal amount given as a string of ASCII digits only.

    DRF's DecimalField also takes a JSON number (12.5 arrives as a float, and
    0.1 + 0.2 style errors come with it), exponents ("1e3") and any Unicode digit ("٣").
    """

    default_error_messages = {"not_text": AMOUNT_NOT_TEXT}

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not AMOUNT_TEXT.match(data):
            self.fail("not_text")
        return super().to_internal_value(data)


class MoneySerializer(StrictSerializer):
    """{"amount": "12.50", "currency": "EUR"}: the amount as a string, so no client parses it as a float.

    Validated input is a shared.money.Money.
    """

    amount = StrictAmountField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), max_value=MAX_AMOUNT, coerce_to_string=True
    )
    currency = StrictCharField()

    def validate_currency(self, value: str) -> str:
        if value not in currency_codes():
            raise serializers.ValidationError(CURRENCY_INVALID)
        return value

    def validate(self, attrs: dict[str, Any]) -> Money:  # type: ignore[override]
        return Money(amount=attrs["amount"], currency=attrs["currency"])

    def to_representation(self, instance: Money) -> dict[str, Any]:
        return {"amount": f"{instance.amount:.2f}", "currency": instance.currency}
