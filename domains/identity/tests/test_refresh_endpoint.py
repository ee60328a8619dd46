"""POST /api/identity/token/refresh/: rotation on every use, and reuse detection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from domains.identity.interface import RefreshTokenInvalidError, RefreshTokenReusedError
from domains.identity.models import RefreshToken, RevocationReason, User
from domains.identity.tests.factories import identity_state, log_in, refresh
from shared.auth.authentication import BEARER_CHALLENGE
from shared.auth.principal import CUSTOMER_SCOPE, STAFF_SCOPE
from shared.auth.tokens import verify_access_token

pytestmark = pytest.mark.django_db

REFRESH = "/api/identity/token/refresh/"


def assert_refused(response: Any, error: type[RefreshTokenInvalidError | RefreshTokenReusedError]) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == BEARER_CHALLENGE
    body = response.json()
    assert (body["status"], body["code"], body["detail"]) == (401, str(error.code), error.message)


def test_refreshing_rotates_the_refresh_token_and_issues_a_new_access_token(api: APIClient, user: User) -> None:
    # given a session
    first = log_in(api)

    # when its refresh token is spent
    response = refresh(api, first["refresh_token"])

    # then a new pair comes back, for the same user, in the same session
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    second = response.json()
    assert (second["token_type"], second["expires_in"]) == ("Bearer", 900)
    assert second["refresh_token"] != first["refresh_token"]
    assert verify_access_token(second["access_token"]).id == user.id
    spent, current = RefreshToken.objects.order_by("created_at", "id")
    assert spent.family_id == current.family_id
    assert (spent.used_at is not None, current.used_at, current.revoked_at) == (True, None, None)


def test_the_next_refresh_token_works_too(api: APIClient, user: User) -> None:
    second = refresh(api, log_in(api)["refresh_token"]).json()

    assert refresh(api, second["refresh_token"]).status_code == 200


def test_a_spent_refresh_token_presented_again_revokes_its_whole_session(api: APIClient, user: User) -> None:
    # given a session that was refreshed once, and another session of the same user
    stolen = log_in(api)["refresh_token"]
    newest = refresh(api, stolen).json()["refresh_token"]
    other_session = log_in(api)["refresh_token"]

    # when the spent token comes back (the thief, or the user with an old copy)
    response = refresh(api, stolen)

    # then it is refused as reused, and both tokens of that session are revoked, no others
    assert_refused(response, RefreshTokenReusedError)
    stolen_family = RefreshToken.objects.order_by("created_at").first().family_id
    assert sorted((token.family_id == stolen_family, token.revoked_reason) for token in RefreshToken.objects.all()) == [
        (False, ""),
        (True, RevocationReason.REUSE_DETECTED),
        (True, RevocationReason.REUSE_DETECTED),
    ]
    # so the newest token of the session is useless too, while the other session lives on
    assert_refused(refresh(api, newest), RefreshTokenInvalidError)
    assert refresh(api, other_session).status_code == 200


def expire(token: str, user: User) -> str:
    RefreshToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    return token


def deactivate_account(token: str, user: User) -> str:
    User.objects.filter(id=user.id).update(is_active=False)
    return token


def revoke_by_logout(token: str, user: User) -> str:
    RefreshToken.objects.update(revoked_at=timezone.now(), revoked_reason=RevocationReason.LOGOUT)
    return token


def replace_with_unknown(token: str, user: User) -> str:
    return "made-up-token"


@pytest.mark.parametrize(
    "spoil",
    [replace_with_unknown, expire, deactivate_account, revoke_by_logout],
    ids=["unknown", "expired", "account-deactivated", "revoked"],
)
def test_a_refresh_token_that_is_no_longer_good_is_refused_and_changes_nothing(
    api: APIClient, user: User, spoil: Callable[[str, User], str]
) -> None:
    # given a session whose refresh token was spoiled one way or another
    token = spoil(log_in(api)["refresh_token"], user)
    before = identity_state()

    # when it is presented, then it is refused, and nothing is written
    assert_refused(refresh(api, token), RefreshTokenInvalidError)
    assert identity_state() == before


def test_a_refreshed_access_token_carries_the_account_as_it_is_now(api: APIClient, user: User) -> None:
    # given a customer who is made staff after logging in
    token = log_in(api)["refresh_token"]
    User.objects.filter(id=user.id).update(is_staff=True)

    # when the session is refreshed, then the new access token has the staff scope
    access_token = refresh(api, token).json()["access_token"]
    assert verify_access_token(access_token).scopes == {CUSTOMER_SCOPE, STAFF_SCOPE}


def test_refreshing_ignores_a_stale_access_token_sent_along(api: APIClient, user: User) -> None:
    token = log_in(api)["refresh_token"]

    response = api.post(REFRESH, {"refresh_token": token}, format="json", HTTP_AUTHORIZATION="Bearer expired.or.broken")

    assert response.status_code == 200
