"""Profile rules in the service and in the table: what an HTTP client cannot get around either."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from domains.identity.interface import AddressDTO, ProfileInvalidError
from domains.identity.models import User
from domains.identity.services import update_profile
from domains.identity.tests.factories import identity_state
from domains.identity.validation import ADDRESS_FIELD_REQUIRED, PHONE_INVALID
from shared.db import atomic

pytestmark = pytest.mark.django_db


def test_an_address_missing_required_parts_is_refused_by_the_service(user: User) -> None:
    before = identity_state()

    with pytest.raises(ProfileInvalidError) as raised:
        update_profile(
            user_id=user.id,
            shipping_address=AddressDTO(line1=" ", line2="", postal_code="10117", city="", country="DE"),
        )

    assert raised.value.params == {
        "field_errors": {
            "shipping_address.line1": (ADDRESS_FIELD_REQUIRED,),
            "shipping_address.city": (ADDRESS_FIELD_REQUIRED,),
        }
    }
    assert identity_state() == before


def test_a_phone_number_the_api_would_refuse_is_refused_by_the_service_too(user: User) -> None:
    with pytest.raises(ProfileInvalidError) as raised:
        update_profile(user_id=user.id, phone="12345")

    assert raised.value.params == {"field_errors": {"phone": (PHONE_INVALID,)}}


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"phone": "030-123"}, "identity_user_phone_e164"),
        (
            {
                "shipping_line1": "Main Street 1",
                "shipping_postal_code": "1",
                "shipping_city": "X",
                "shipping_country": "de",
            },
            "identity_user_country_iso",
        ),
        ({"shipping_line1": "Main Street 1"}, "identity_user_address_complete"),
        ({"email": "Ada@Example.com"}, "identity_user_email_lowercase"),
    ],
    ids=["phone", "country", "half-an-address", "email-case"],
)
def test_the_table_refuses_a_row_that_breaks_a_profile_rule(
    user: User, changes: dict[str, str], constraint: str
) -> None:
    with pytest.raises(IntegrityError) as raised, atomic("identity"):
        User.objects.filter(id=user.id).update(**changes)

    assert constraint in str(raised.value)
