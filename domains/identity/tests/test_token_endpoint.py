"""POST /api/identity/token/: log in with email and password."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from domains.identity.interface import InvalidCredentialsError
from domains.identity.models import RefreshToken, User
from domains.identity.tests.factories import PASSWORD, identity_state, make_user
from shared.auth.authentication import BEARER_CHALLENGE
from shared.auth.principal import CUSTOMER_SCOPE, STAFF_SCOPE, Principal
from shared.auth.tokens import verify_access_token

pytestmark = pytest.mark.django_db

TOKEN = "/api/identity/token/"


def test_logging_in_returns_an_access_token_for_the_customer_and_starts_a_session(api: APIClient, user: User) -> None:
    # when the customer logs in, typing the email in another case
    response = api.post(TOKEN, {"email": " ADA@example.com", "password": PASSWORD}, format="json")

    # then they get a bearer access token for themselves, scoped customer, and a refresh token
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
    assert verify_access_token(body["access_token"]) == Principal(
        id=user.id, email="ada@example.com", scopes=frozenset({CUSTOMER_SCOPE})
    )
    # and neither token may be cached anywhere
    assert (response.headers["Cache-Control"], response.headers["Pragma"]) == ("no-store", "no-cache")
    # and one session with one unused refresh token exists, and the login is recorded
    token = RefreshToken.objects.get()
    assert (token.user_id, token.used_at, token.revoked_at) == (user.id, None, None)
    assert token.token_hash != body["refresh_token"]
    user.refresh_from_db()
    assert user.last_login is not None


def test_a_staff_user_gets_the_staff_scope(api: APIClient) -> None:
    make_user(email="sam@example.com", is_staff=True)

    response = api.post(TOKEN, {"email": "sam@example.com", "password": PASSWORD}, format="json")

    assert verify_access_token(response.json()["access_token"]).scopes == {CUSTOMER_SCOPE, STAFF_SCOPE}


def test_each_login_starts_its_own_session(api: APIClient, user: User) -> None:
    for _ in range(2):
        api.post(TOKEN, {"email": "ada@example.com", "password": PASSWORD}, format="json")

    assert RefreshToken.objects.values("family_id").distinct().count() == 2


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ada@example.com", "wrong-password"),
        ("nobody@example.com", PASSWORD),
        ("inactive@example.com", PASSWORD),
        ("not an email", PASSWORD),
    ],
    ids=["wrong-password", "unknown-email", "inactive-account", "malformed-email"],
)
def test_failed_logins_are_all_the_same_401_and_change_nothing(
    api: APIClient, user: User, email: str, password: str
) -> None:
    # given an active and an inactive account
    make_user(email="inactive@example.com", is_active=False)
    before = identity_state()

    # when a login fails for any reason
    response = api.post(TOKEN, {"email": email, "password": password}, format="json")

    # then the answer is the same 401, which never tells whether the email exists
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == BEARER_CHALLENGE
    body = response.json()
    assert {name: value for name, value in body.items() if name != "correlation_id"} == {
        "type": "urn:modulith:problem:identity.invalid_credentials",
        "title": "Invalid credentials",
        "status": 401,
        "detail": InvalidCredentialsError.message,
        "instance": TOKEN,
        "code": "identity.invalid_credentials",
        "field_errors": {},
        "params": {},
    }
    # and no session was started, no login recorded
    assert identity_state() == before


def test_logging_in_ignores_a_stale_access_token_sent_along(api: APIClient, user: User) -> None:
    response = api.post(
        TOKEN,
        {"email": "ada@example.com", "password": PASSWORD},
        format="json",
        HTTP_AUTHORIZATION="Bearer expired.or.broken",
    )

    assert response.status_code == 200


def test_get_is_not_allowed(api: APIClient) -> None:
    response = api.get(TOKEN)

    assert (response.status_code, response.json()["code"]) == (405, "request.method_not_allowed")
