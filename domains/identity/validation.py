"""The rules an identity's input must follow, shared by the models, the services and the API.

One source for each rule, so that a message a client sees for a field is the one the
model would raise, and a caller of the interface is held to the same rules as the API.
"""

from __future__ import annotations

import functools
import re

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

EMAIL_MAX_LENGTH = 254
PASSWORD_MAX_LENGTH = 128
FULL_NAME_MAX_LENGTH = 200

PHONE_PATTERN = r"^\+[1-9][0-9]{6,14}$"  # E.164: a plus, a country code, at most 15 digits in all
COUNTRY_PATTERN = r"^[A-Z]{2}$"  # ISO 3166-1 alpha-2

PHONE_INVALID = (
    "Enter the phone number in international form: a plus, the country code, then the number, "
    "7 to 15 digits in all, e.g. +4930123456."
)
COUNTRY_INVALID = "Enter the country as its two-letter ISO 3166-1 code, e.g. DE, FR or US."
FULL_NAME_REQUIRED = "Enter the full name, as it should appear on orders and invoices."
ADDRESS_FIELD_REQUIRED = "A shipping address needs this field; send it, or send null to remove the address."
ADDRESS_INCOMPLETE = (
    "A shipping address needs street and number, postal code, city and country; fill in all four, "
    "or clear every address field to remove it."
)

validate_phone = RegexValidator(PHONE_PATTERN, PHONE_INVALID)


def validate_country(country: str) -> None:
    """An assigned ISO 3166-1 alpha-2 code ("DE"), not just two capitals ("ZZ")."""
    if country not in country_codes():
        raise ValidationError(COUNTRY_INVALID, code="invalid")


@functools.cache
def country_codes() -> frozenset[str]:
    """The assigned alpha-2 codes, from pycountry's copy of ISO 3166-1 (read once)."""
    return frozenset(country.alpha_2 for country in pycountry.countries)


_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")


def normalize_phone(phone: str) -> str:
    """'+49 (30) 123-456' -> '+4930123456'; '0049...' -> '+49...'. Validity is checked separately."""
    compact = _PHONE_PUNCTUATION.sub("", phone)
    return "+" + compact[2:] if compact.startswith("00") else compact
