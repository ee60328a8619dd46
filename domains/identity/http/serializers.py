"""Input and output shapes of the identity API.

Input is strict (shared.api.serializers): a string field takes only a JSON string,
every length has a bound, and a field the endpoint does not know is an error.
"""

from __future__ import annotations

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
from shared.api.serializers import StrictCharField, StrictEmailField, StrictSerializer

REFRESH_TOKEN_MAX_LENGTH = 128


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
