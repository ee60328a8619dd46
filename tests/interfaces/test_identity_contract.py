"""Identity's contract, through its interface alone: local, over the wire, and served by another process."""

from __future__ import annotations

import uuid

import pytest

from domains.identity.interface import (
    ContactDetailsDTO,
    EmailAlreadyRegisteredError,
    EmailInvalidError,
    PasswordRejectedError,
    ProfileDTO,
    UserDTO,
    UserNotFoundError,
    identity,
)
from tests.interfaces.conftest import Serve

PASSWORD = "analytical-engine-1843"


@pytest.fixture(autouse=True)
def _served(serve: Serve) -> None:
    serve(identity)


def registered() -> UserDTO:
    return identity.register_user(
        email=f"ada-{uuid.uuid4().hex[:8]}@example.com", password=PASSWORD, full_name="Ada Lovelace"
    )


def test_a_registered_user_is_read_back_with_profile_and_contact_details() -> None:
    user = registered()

    assert (user.full_name, user.is_staff, user.is_active) == ("Ada Lovelace", False, True)
    assert identity.get_user(user_id=user.id) == user
    assert identity.get_users(user_ids=(user.id, uuid.uuid4())) == (user,)
    assert identity.get_profile(user_id=user.id) == ProfileDTO(
        user_id=user.id, email=user.email, full_name="Ada Lovelace", phone="", shipping_address=None
    )
    assert identity.get_contact_details(user_id=user.id) == ContactDetailsDTO(
        user_id=user.id, email=user.email, full_name="Ada Lovelace", phone="", is_active=True
    )


def test_registering_refuses_a_taken_email_in_any_case_an_invalid_one_and_a_weak_password() -> None:
    user = registered()

    with pytest.raises(EmailAlreadyRegisteredError) as taken:
        identity.register_user(email=user.email.upper(), password=PASSWORD, full_name="Someone")
    with pytest.raises(EmailInvalidError) as invalid:
        identity.register_user(email="not-an-email", password=PASSWORD, full_name="Someone")
    with pytest.raises(PasswordRejectedError) as weak:
        identity.register_user(email=f"b-{uuid.uuid4().hex[:8]}@example.com", password="123", full_name="Someone")

    assert type(taken.value) is EmailAlreadyRegisteredError
    assert invalid.value == EmailInvalidError(email="not-an-email")
    assert isinstance(weak.value.params["reasons"], tuple)
    assert len(weak.value.params["reasons"]) >= 2


def test_an_unknown_user_is_not_found() -> None:
    missing = uuid.uuid4()

    for read in (identity.get_user, identity.get_profile, identity.get_contact_details):
        with pytest.raises(UserNotFoundError) as raised:
            read(user_id=missing)
        assert raised.value == UserNotFoundError(user_id=missing)
