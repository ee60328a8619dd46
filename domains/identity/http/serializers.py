"""Input and output shapes of the identity API.

Input is strict (shared.api.serializers): a string field takes only a JSON string,
every length has a bound, and a field the endpoint does not know is an error.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from domains.identity.services import password_problems
from domains.identity.validation import (
    COUNTRY_INVALID,
    EMAIL_MAX_LENGTH,
    FULL_NAME_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    country_codes,
    normalize_phone,
    validate_phone,
)
from shared.api.serializers import StrictCharField, StrictEmailField, StrictSerializer

REFRESH_TOKEN_MAX_LENGTH = 128
PHONE_MAX_LENGTH = 32

_SEPARATOR = r"[\s().\-/]*"
_E164 = rf"(?:\+|0{_SEPARATOR}0){_SEPARATOR}[1-9](?:{_SEPARATOR}[0-9]){{6,14}}"
PHONE_INPUT_PATTERN = rf"^{_SEPARATOR}(?:{_E164}{_SEPARATOR})?$"
"""What the phone field takes, as the schema says: E.164 once spaces, ()./- are dropped and a leading 00
is read as +, or nothing (no phone)."""


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


@extend_schema_field({"type": "string", "pattern": PHONE_INPUT_PATTERN})
class PhoneField(StrictCharField):
    """A phone number as people write it ('+49 (30) 1234-567'); validated data is the E.164 form or ''."""


class CountryField(serializers.ChoiceField):
    """An assigned ISO 3166-1 alpha-2 code, in capitals or in small letters ('DE' or 'de'); validated: 'DE'."""

    def __init__(self, **kwargs: Any) -> None:
        codes = sorted(country_codes())
        kwargs.setdefault("error_messages", {"invalid_choice": COUNTRY_INVALID})
        super().__init__(choices=[*codes, *(code.lower() for code in codes)], **kwargs)

    def to_internal_value(self, data: Any) -> str:
        return str(super().to_internal_value(data)).upper()


class AddressSerializer(StrictSerializer):
    line1 = StrictCharField(max_length=200)
    line2 = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    postal_code = StrictCharField(max_length=16)
    city = StrictCharField(max_length=100)
    country = CountryField()


class ProfileUpdateSerializer(StrictSerializer):
    """PATCH /me: every field optional; the address is replaced whole, or removed with null."""

    full_name = StrictCharField(max_length=FULL_NAME_MAX_LENGTH, required=False)
    phone = PhoneField(max_length=PHONE_MAX_LENGTH, required=False, allow_blank=True)
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
