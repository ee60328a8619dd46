"""POST /api/identity/logout/: end a session by revoking its refresh tokens."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from domains.identity.models import RefreshToken, RevocationReason, User
from domains.identity.tests.factories import bearer, identity_state, log_in, make_user, refresh

pytestmark = pytest.mark.django_db

LOGOUT = "/api/identity/logout/"


def test_logging_out_revokes_the_session_so_its_refresh_token_no_longer_works(api: APIClient, user: User) -> None:
    # given a session that has been refreshed once
    tokens = refresh(api, log_in(api)["refresh_token"]).json()

    # when the user logs out with the current refresh token
    response = api.post(
        LOGOUT, {"refresh_token": tokens["refresh_token"]}, format="json", **bearer(tokens["access_token"])
    )

    # then the whole session is revoked, and refreshing is refused
    assert (response.status_code, response.content) == (204, b"")
    assert list(RefreshToken.objects.values_list("revoked_reason", flat=True)) == [RevocationReason.LOGOUT] * 2
    assert refresh(api, tokens["refresh_token"]).json()["code"] == "identity.refresh_token_invalid"


def test_logging_out_leaves_the_users_other_sessions_alone(api: APIClient, user: User) -> None:
    phone, laptop = log_in(api), log_in(api)

    api.post(LOGOUT, {"refresh_token": phone["refresh_token"]}, format="json", **bearer(user))

    assert refresh(api, laptop["refresh_token"]).status_code == 200


def test_logging_out_twice_is_fine(api: APIClient, user: User) -> None:
    token = log_in(api)["refresh_token"]
    api.post(LOGOUT, {"refresh_token": token}, format="json", **bearer(user))
    before = identity_state()

    response = api.post(LOGOUT, {"refresh_token": token}, format="json", **bearer(user))

    assert response.status_code == 204
    assert identity_state() == before


def test_an_unknown_refresh_token_is_accepted_silently_and_changes_nothing(api: APIClient, user: User) -> None:
    log_in(api)
    before = identity_state()

    response = api.post(LOGOUT, {"refresh_token": "never-issued"}, format="json", **bearer(user))

    assert response.status_code == 204
    assert identity_state() == before


def test_someone_elses_refresh_token_is_not_revoked(api: APIClient, user: User) -> None:
    # given another user's session
    make_user(email="eve@example.com")
    victim = log_in(api)["refresh_token"]
    before = identity_state()

    # when Eve tries to log Ada out with Ada's token
    eve = User.objects.get(email="eve@example.com")
    response = api.post(LOGOUT, {"refresh_token": victim}, format="json", **bearer(eve))

    # then the answer tells Eve nothing, and Ada's session lives on
    assert response.status_code == 204
    assert identity_state() == before
    assert refresh(api, victim).status_code == 200


def test_logging_out_needs_an_access_token(api: APIClient, user: User) -> None:
    token = log_in(api)["refresh_token"]
    before = identity_state()

    response = api.post(LOGOUT, {"refresh_token": token}, format="json")

    assert (response.status_code, response.json()["code"]) == (401, "auth.not_authenticated")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert identity_state() == before
