"""What other domains get through `domains.identity.interface.identity`."""

from __future__ import annotations

import uuid

import pytest

from domains.identity.interface import (
    AddressDTO,
    ContactDetailsDTO,
    EmailAlreadyRegisteredError,
    EmailInvalidError,
    PasswordRejectedError,
    ProfileDTO,
    ProfileInvalidError,
    UserDTO,
    UserNotFoundError,
    identity,
)
from domains.identity.models import User
from domains.identity.tests.factories import PASSWORD, identity_state, make_user
from domains.identity.validation import FULL_NAME_REQUIRED

pytestmark = pytest.mark.django_db

ADDRESS = {
    "shipping_line1": "1 Analytical Row",
    "shipping_postal_code": "W1 1AA",
    "shipping_city": "London",
    "shipping_country": "GB",
}


def test_get_user_returns_the_user_as_a_dto(user: User) -> None:
    assert identity.get_user(user_id=user.id) == UserDTO(
        id=user.id,
        email="ada@example.com",
        full_name="Ada Lovelace",
        is_staff=False,
        is_active=True,
        date_joined=user.date_joined,
    )


def test_get_user_of_an_unknown_id_raises_user_not_found() -> None:
    missing = uuid.uuid4()

    with pytest.raises(UserNotFoundError) as raised:
        identity.get_user(user_id=missing)

    assert raised.value.params == {"user_id": missing}


def test_get_users_returns_those_that_exist(user: User) -> None:
    other = make_user()

    found = identity.get_users(user_ids=(user.id, uuid.uuid4(), other.id))

    assert {dto.id for dto in found} == {user.id, other.id}


def test_get_profile_includes_the_default_shipping_address() -> None:
    user = make_user(email="ada@example.com", phone="+442071234567", **ADDRESS)

    assert identity.get_profile(user_id=user.id) == ProfileDTO(
        user_id=user.id,
        email="ada@example.com",
        full_name="Ada Lovelace",
        phone="+442071234567",
        shipping_address=AddressDTO(
            line1="1 Analytical Row", line2="", postal_code="W1 1AA", city="London", country="GB"
        ),
    )


def test_get_contact_details_says_whether_to_contact_at_all() -> None:
    user = make_user(email="gone@example.com", full_name="Gone", is_active=False)

    assert identity.get_contact_details(user_id=user.id) == ContactDetailsDTO(
        user_id=user.id, email="gone@example.com", full_name="Gone", phone="", is_active=False
    )


def test_register_user_through_the_interface_creates_a_customer() -> None:
    registered = identity.register_user(email="Grace@Example.com", password=PASSWORD, full_name="Grace Hopper")

    assert (registered.email, registered.is_staff) == ("grace@example.com", False)
    assert User.objects.get(id=registered.id).check_password(PASSWORD)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"email": "not-an-email"}, EmailInvalidError(email="not-an-email")),
        ({"email": "a" * 250 + "@example.com"}, EmailInvalidError(email="a" * 250 + "@example.com")),
        ({"password": "password"}, PasswordRejectedError(reasons=("This password is too common.",))),
        ({"full_name": " "}, ProfileInvalidError(field_errors={"full_name": (FULL_NAME_REQUIRED,)})),
        (
            {"full_name": "x" * 201},
            ProfileInvalidError(
                field_errors={"full_name": ("Ensure this value has at most 200 characters (it has 201).",)}
            ),
        ),
        ({"email": "ADA@example.com"}, EmailAlreadyRegisteredError(email="ada@example.com")),
    ],
    ids=["email-format", "email-too-long", "weak-password", "blank-name", "long-name", "taken-email"],
)
def test_register_user_refuses_what_breaks_a_rule_and_changes_nothing(
    user: User, arguments: dict[str, str], error: Exception
) -> None:
    before = identity_state()

    with pytest.raises(type(error)) as raised:
        identity.register_user(**{"email": "new@example.com", "password": PASSWORD, "full_name": "New", **arguments})

    assert raised.value == error
    assert identity_state() == before
