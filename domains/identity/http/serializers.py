"""Input and output shapes of the identity API.

Input is strict: a string field takes only a JSON string (not 42, not true), every
length has a bound, and a field the endpoint does not know is an error naming the
fields it does know, so a typo ("fullname") never passes silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from domains.identity.services import password_problems
from domains.identity.validation import (
    EMAIL_MAX_LENGTH,
    FULL_NAME_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    normalize_phone,
    validate_country,
    validate_phone,
)

UNKNOWN_FIELD = "Unknown field. This endpoint accepts: {fields}."
NOT_A_STRING = "Not a valid string: send text in double quotes."
REFRESH_TOKEN_MAX_LENGTH = 128


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare, each under its own name."""

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


def password_field() -> StrictCharField:
    return StrictCharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, style={"input_type": "password"})


# -- input --------------------------------------------------------------------------


class RegisterInputSerializer(StrictSerializer):
    email = StrictEmailField(max_length=EMAIL_MAX_LENGTH)
    password = password_field()
    full_name = StrictCharField(max_length=FULL_NAME_MAX_LENGTH)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        problems = password_problems(password=attrs["password"], email=attrs["email"], full_name=attrs["full_name"])
        if problems:
            raise serializers.ValidationError({"password": problems})
        return attrs


class TokenInputSerializer(StrictSerializer):
    # No email format check: a malformed address simply matches no account (401), like any wrong one.
    email = StrictCharField(max_length=EMAIL_MAX_LENGTH, trim_whitespace=True)
    password = password_field()


class RefreshTokenInputSerializer(StrictSerializer):
    refresh_token = StrictCharField(max_length=REFRESH_TOKEN_MAX_LENGTH)


class AddressSerializer(StrictSerializer):
    line1 = StrictCharField(max_length=200)
    line2 = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    postal_code = StrictCharField(max_length=16)
    city = StrictCharField(max_length=100)
    country = StrictCharField(max_length=2, min_length=2)

    def validate_country(self, value: str) -> str:
        value = value.upper()
        validate_country(value)
        return value


class ProfileUpdateSerializer(StrictSerializer):
    """PATCH /me: every field optional; the address is replaced whole, or removed with null."""

    full_name = StrictCharField(max_length=FULL_NAME_MAX_LENGTH, required=False)
    phone = StrictCharField(max_length=32, required=False, allow_blank=True)
    shipping_address = AddressSerializer(required=False, allow_null=True)

    def validate_phone(self, value: str) -> str:
        phone = normalize_phone(value)
        if phone:
            validate_phone(phone)
        return phone


# -- output -------------------------------------------------------------------------


class UserOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class TokenPairOutputSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()


class AddressOutputSerializer(serializers.Serializer):
    line1 = serializers.CharField()
    line2 = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()


class ProfileOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="user_id")
    email = serializers.EmailField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    shipping_address = AddressOutputSerializer(allow_null=True)
