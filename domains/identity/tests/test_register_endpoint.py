"""POST /api/identity/register/: new customer accounts."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from domains.identity.interface import EmailAlreadyRegisteredError
from domains.identity.models import User
from domains.identity.tests.factories import PASSWORD, identity_state, make_user
from shared.bus.models import StoredEvent
from shared.db import database_for

pytestmark = pytest.mark.django_db

REGISTER = "/api/identity/register/"


def test_registering_creates_a_customer_and_announces_it(api: APIClient) -> None:
    # when someone registers with a mixed-case email
    response = api.post(
        REGISTER, {"email": " Grace@Example.COM ", "password": PASSWORD, "full_name": " Grace Hopper "}, format="json"
    )

    # then the account exists under the normalized email, as a customer, with a usable password
    user = User.objects.get()
    assert response.status_code == 201
    assert response.json() == {"id": str(user.id), "email": "grace@example.com", "full_name": "Grace Hopper"}
    assert (user.email, user.full_name, user.is_staff, user.is_active) == (
        "grace@example.com",
        "Grace Hopper",
        False,
        True,
    )
    assert user.check_password(PASSWORD)
    # and identity.UserRegistered was published with it
    event = StoredEvent.objects.using(database_for("identity")).get(name="identity.UserRegistered")
    assert event.payload == {"user_id": str(user.id), "email": "grace@example.com", "full_name": "Grace Hopper"}


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@example.com", "Ada@Example.Com"])
def test_registering_a_taken_email_in_any_case_is_409_and_changes_nothing(api: APIClient, email: str) -> None:
    make_user(email="ada@example.com")
    before = identity_state()

    response = api.post(REGISTER, {"email": email, "password": PASSWORD, "full_name": "Impostor"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert (body["status"], body["code"], body["params"]) == (
        409,
        "identity.email_already_registered",
        {"email": "ada@example.com"},
    )
    assert body["detail"] == EmailAlreadyRegisteredError.message.format(email="ada@example.com")
    assert identity_state() == before


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        ("short", ["This password is too short. It must contain at least 8 characters."]),
        ("password", ["This password is too common."]),
        ("80421234567", ["This password is entirely numeric."]),
        ("gracehopper", ["The password is too similar to the email."]),
        (
            "1234",
            [
                "This password is too short. It must contain at least 8 characters.",
                "This password is too common.",
                "This password is entirely numeric.",
            ],
        ),
    ],
    ids=["too-short", "common", "numeric", "like-the-email", "everything-wrong"],
)
def test_a_weak_password_is_400_with_every_reason_and_creates_nothing(
    api: APIClient, password: str, messages: list[str]
) -> None:
    before = identity_state()

    response = api.post(
        REGISTER, {"email": "gracehopper@example.com", "password": password, "full_name": "G. H."}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field_errors"]) == ("request.invalid", {"password": messages})
    assert identity_state() == before


@pytest.mark.parametrize(
    ("changes", "field_errors"),
    [
        ({"email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        ({"email": "ada@"}, {"email": ["Enter a valid email address."]}),
        ({"full_name": "   "}, {"full_name": ["This field may not be blank."]}),
        ({"email": ""}, {"email": ["This field may not be blank."]}),
        ({"password": ""}, {"password": ["This field may not be blank."]}),
    ],
    ids=["email-format", "email-no-domain", "blank-name", "blank-email", "blank-password"],
)
def test_invalid_values_are_400_per_field_and_create_nothing(
    api: APIClient, changes: dict[str, str], field_errors: dict[str, list[str]]
) -> None:
    before = identity_state()
    body = {"email": "grace@example.com", "password": PASSWORD, "full_name": "Grace Hopper", **changes}

    response = api.post(REGISTER, body, format="json")

    assert (response.status_code, response.json()["code"], response.json()["field_errors"]) == (
        400,
        "request.invalid",
        field_errors,
    )
    assert identity_state() == before


def test_registration_ignores_a_stale_access_token(api: APIClient) -> None:
    response = api.post(
        REGISTER,
        {"email": "grace@example.com", "password": PASSWORD, "full_name": "Grace Hopper"},
        format="json",
        HTTP_AUTHORIZATION="Bearer expired.or.broken",
    )

    assert response.status_code == 201
