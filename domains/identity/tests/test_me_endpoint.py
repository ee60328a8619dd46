"""GET and PATCH /api/identity/me/: the caller's own profile."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from domains.identity.access_tokens import issue_access_token
from domains.identity.models import User
from domains.identity.tests.factories import bearer, identity_state
from domains.identity.validation import COUNTRY_INVALID, PHONE_INVALID
from shared.api.serializers import UNKNOWN_FIELD
from shared.auth.principal import Principal

pytestmark = pytest.mark.django_db

ME = "/api/identity/me/"
ADDRESS = {"line1": "Unter den Linden 1", "line2": "", "postal_code": "10117", "city": "Berlin", "country": "DE"}


def test_the_profile_of_the_caller_is_returned(api: APIClient, user: User) -> None:
    response = api.get(ME, **bearer(user))

    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.id),
        "email": "ada@example.com",
        "full_name": "Ada Lovelace",
        "phone": "",
        "shipping_address": None,
    }


def test_the_profile_is_updated_field_by_field(api: APIClient, user: User) -> None:
    # when the customer sets a phone number in local notation and an address with a lowercase country
    response = api.patch(
        ME,
        {"phone": "+49 (30) 1234-567", "shipping_address": {**ADDRESS, "line2": "3rd floor", "country": "de"}},
        format="json",
        **bearer(user),
    )

    # then both are stored normalized, and the name is left as it was
    expected_address = {**ADDRESS, "line2": "3rd floor"}
    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.id),
        "email": "ada@example.com",
        "full_name": "Ada Lovelace",
        "phone": "+49301234567",
        "shipping_address": expected_address,
    }
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.shipping_country, user.shipping_line2) == (
        "Ada Lovelace",
        "+49301234567",
        "DE",
        "3rd floor",
    )


def test_the_address_and_phone_are_removed_with_null_and_empty(api: APIClient, user: User) -> None:
    api.patch(ME, {"phone": "+4930123456", "shipping_address": ADDRESS}, format="json", **bearer(user))

    response = api.patch(ME, {"phone": "", "shipping_address": None}, format="json", **bearer(user))

    assert (response.json()["phone"], response.json()["shipping_address"]) == ("", None)
    user.refresh_from_db()
    assert (user.phone, user.shipping_line1, user.shipping_country) == ("", "", "")


def test_an_empty_patch_changes_nothing(api: APIClient, user: User) -> None:
    before = identity_state()

    response = api.patch(ME, {}, format="json", **bearer(user))

    assert (response.status_code, response.json()["full_name"]) == (200, "Ada Lovelace")
    assert identity_state() == before


@pytest.mark.parametrize(
    ("changes", "field_errors"),
    [
        ({"phone": "030 123456"}, {"phone": [PHONE_INVALID]}),
        ({"phone": "+49 30 12 ab"}, {"phone": [PHONE_INVALID]}),
        ({"full_name": "  "}, {"full_name": ["This field may not be blank."]}),
        ({"shipping_address": {**ADDRESS, "country": "D1"}}, {"shipping_address.country": [COUNTRY_INVALID]}),
        ({"shipping_address": {**ADDRESS, "country": "ZZ"}}, {"shipping_address.country": [COUNTRY_INVALID]}),
        (
            {"shipping_address": {**ADDRESS, "country": "DEU"}},
            {"shipping_address.country": [COUNTRY_INVALID]},
        ),
        (
            {"shipping_address": {"line1": "Somewhere 1"}},
            {
                "shipping_address.postal_code": ["This field is required."],
                "shipping_address.city": ["This field is required."],
                "shipping_address.country": ["This field is required."],
            },
        ),
        ({"shipping_address": {**ADDRESS, "city": ""}}, {"shipping_address.city": ["This field may not be blank."]}),
        (
            {"shipping_address": {**ADDRESS, "zip": "10117"}},
            {"shipping_address.zip": [UNKNOWN_FIELD.format(fields="city, country, line1, line2, postal_code")]},
        ),
        (
            {"shipping_address": "Unter den Linden 1, Berlin"},
            {"shipping_address.non_field_errors": ["Invalid data. Expected a dictionary, but got str."]},
        ),
        (
            {"shipping_address": {**ADDRESS, "postal_code": 10117}},
            {"shipping_address.postal_code": ["Not a valid string: send text in double quotes."]},
        ),
        (
            {"email": "new@example.com"},
            {"email": [UNKNOWN_FIELD.format(fields="full_name, phone, shipping_address")]},
        ),
    ],
    ids=[
        "phone-without-country-code",
        "phone-with-letters",
        "blank-name",
        "country-not-letters",
        "country-not-assigned",
        "country-too-long",
        "address-incomplete",
        "address-blank-city",
        "address-unknown-field",
        "address-not-an-object",
        "address-wrong-type",
        "email-cannot-change-here",
    ],
)
def test_invalid_changes_are_400_per_field_and_save_nothing(
    api: APIClient, user: User, changes: dict[str, object], field_errors: dict[str, list[str]]
) -> None:
    before = identity_state()

    response = api.patch(ME, {"full_name": "Changed Name", **changes}, format="json", **bearer(user))

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field_errors"]) == ("request.invalid", field_errors)
    assert identity_state() == before


def test_the_profile_needs_an_access_token(api: APIClient, user: User) -> None:
    before = identity_state()

    responses = [api.get(ME), api.patch(ME, {"full_name": "Mallory"}, format="json")]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(401, "auth.not_authenticated")] * 2
    assert identity_state() == before


def test_a_token_for_a_user_that_does_not_exist_is_404(api: APIClient) -> None:
    ghost = Principal(id=uuid.UUID(int=7), email="ghost@example.com", scopes=frozenset({"customer"}))

    response = api.get(ME, **bearer(issue_access_token(ghost).token))

    assert (response.status_code, response.json()["code"]) == (404, "identity.user_not_found")
