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
AMOUNT_NOT_TEXT = (
    'Send the amount as a string of digits, without leading zeros and with at most two decimals, such as "12.50".'
)
AMOUNT_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")  # the sign is left to min_value's message
UNKNOWN_FIELD = "Unknown field. This endpoint accepts: {fields}."
NOT_A_STRING = "Not a valid string: send text in double quotes."
NOT_AN_INTEGER = "Not a whole number: send digits without quotes or a decimal point, such as 2."
BLANK_QUERY_PARAMETER = "Give this parameter a value, or leave it out."

_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare, each under its own name, listing those it accepts."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                message = UNKNOWN_FIELD.format(fields=", ".join(sorted(self.fields)))
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)


class StrictQuerySerializer(serializers.Serializer):
    """A query string's serializer: `?status=` (given, but empty) is a 400, not the parameter left out.

    DRF reads an empty value of an optional field from a query string as if it were absent,
    so `?status=` lists every order unfiltered. Here it is refused, naming the parameter,
    unless the field takes blank text (allow_blank=True, like a search).
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            problems = {name: _query_problem(field, data) for name, field in self.fields.items()}
            errors = {name: [problem] for name, problem in problems.items() if problem is not None}
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _query_problem(field: serializers.Field, data: Mapping[str, Any]) -> str | None:
    """An empty value where the field takes no blank text; text longer than max_length before it is trimmed."""
    given = data.get(field.field_name)
    if not isinstance(given, str):
        return None
    if given == "" and not getattr(field, "allow_blank", False):
        return BLANK_QUERY_PARAMETER
    max_length = getattr(field, "max_length", None)
    if isinstance(field, serializers.CharField) and max_length is not None and len(given) > max_length:
        return str(field.error_messages["max_length"]).format(max_length=max_length)
    return None


class QueryBooleanField(serializers.BooleanField):
    """true or false in a query string; DRF's own also takes 1, yes, on, True and their opposites."""

    def to_internal_value(self, data: Any) -> bool:
        if data is True or data == "true":
            return True
        if data is False or data == "false":  # False: DRF's value for the parameter left out
            return False
        self.fail("invalid", input=data)
        raise AssertionError  # fail() raises


class StrictCharField(serializers.CharField):
    """A CharField that takes only strings: DRF's own turns 42 into "42".

    max_length counts the text as sent, before surrounding whitespace is trimmed, as the
    schema's maxLength does.
    """

    default_error_messages = {"not_a_string": NOT_A_STRING}

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictRegexField(StrictCharField, serializers.RegexField):
    """A RegexField that takes only strings, its length counted as sent (StrictCharField)."""


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
        # DRF's also takes 32 hex digits without dashes, braces and urn:uuid:, which the schema's
        # format: uuid does not.
        if not isinstance(data, str) or not _CANONICAL_UUID.fullmatch(data):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class StrictAmountField(serializers.DecimalField):
    """A decimal amount given as a string of ASCII digits only.

    DRF's DecimalField also takes a JSON number (12.5 arrives as a float, and
    0.1 + 0.2 style errors come with it), exponents ("1e3") and any Unicode digit ("٣").
    """

    default_error_messages = {"not_text": AMOUNT_NOT_TEXT}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pattern = amount_pattern(maximum=self.max_value, decimal_places=self.decimal_places)
        self._pattern = re.compile(self.pattern)

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not AMOUNT_TEXT.match(data):
            self.fail("not_text")
        value: Decimal = super().to_internal_value(data)
        in_range = (self.min_value is None or value >= self.min_value) and value <= self.max_value
        if in_range and not self._pattern.search(data):  # out of range: min_value's and max_value's messages
            self.fail("not_text")
        return value


def amount_pattern(*, maximum: Decimal | int | None, decimal_places: int) -> str:
    """The exact text of an amount from 0 to `maximum` (a power of ten): what the schema documents.

    Digits without leading zeros, at most `decimal_places` decimals: amount_pattern(maximum=1000,
    decimal_places=2) matches "0", "999.99" and "1000.00", never "", "-1", "1e3" or "01".
    """
    whole = int(maximum) if maximum is not None else 0
    if maximum is None or maximum != whole or str(whole).rstrip("0") != "1":
        raise ValueError(f"An amount's max_value must be a power of ten such as 1000000, not {maximum}.")
    digits = len(str(whole)) - 1
    fraction = rf"(?:\.[0-9]{{1,{decimal_places}}})?"
    return rf"^(?:(?:0|[1-9][0-9]{{0,{digits - 1}}}){fraction}|{whole}(?:\.0{{1,{decimal_places}}})?)$"


class MoneySerializer(StrictSerializer):
    """{"amount": "12.50", "currency": "EUR"}: the amount as a string, so no client parses it as a float.

    Validated input is a shared.money.Money.
    """

    amount = StrictAmountField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), max_value=MAX_AMOUNT, coerce_to_string=True
    )
    currency = serializers.ChoiceField(
        choices=sorted(currency_codes()), error_messages={"invalid_choice": CURRENCY_INVALID}
    )  # an enum in the schema: every ISO 4217 code

    def validate(self, attrs: dict[str, Any]) -> Money:  # type: ignore[override]
        return Money(amount=attrs["amount"], currency=attrs["currency"])

    def to_representation(self, instance: Money) -> dict[str, Any]:
        return {"amount": f"{instance.amount:.2f}", "currency": instance.currency}
