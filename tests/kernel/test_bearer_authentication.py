"""Bearer authentication: a token becomes request.user without a single database query.

No test here has database access (no django_db mark): pytest-django fails a test on its
first query, so passing proves a service can authenticate callers with the public keys alone.
"""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from domains.identity.access_tokens import issue_access_token
from shared.auth.authentication import BEARER_CHALLENGE, TOKEN_INVALID
from shared.auth.principal import CUSTOMER_SCOPE, STAFF_SCOPE, Principal

pytestmark = pytest.mark.urls("tests.kernel.probe_urls")

STAFF = Principal(id=uuid.uuid4(), email="sam@example.com", scopes=frozenset({CUSTOMER_SCOPE, STAFF_SCOPE}))


def bearer(principal: Principal) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_access_token(principal).token}"}


def test_a_valid_token_makes_its_principal_the_request_user() -> None:
    response = APIClient().get("/whoami/", **bearer(STAFF))

    assert response.status_code == 200
    assert response.json() == {"id": str(STAFF.id), "email": "sam@example.com", "scopes": ["customer", "staff"]}


def test_the_bearer_scheme_is_case_insensitive() -> None:
    token = issue_access_token(STAFF).token

    response = APIClient().get("/whoami/", HTTP_AUTHORIZATION=f"bearer {token}")

    assert response.status_code == 200


def test_a_missing_token_is_401_with_a_bearer_challenge_not_403() -> None:
    response = APIClient().get("/whoami/")

    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, BEARER_CHALLENGE)
    assert response.json()["code"] == "auth.not_authenticated"


def test_a_public_endpoint_is_anonymous_without_a_token() -> None:
    response = APIClient().post("/public/", {"a": 1}, format="json")

    assert (response.status_code, response.json()) == (200, {"data": {"a": 1}, "authenticated": False})


def test_a_public_endpoint_refuses_a_broken_token_instead_of_acting_anonymously() -> None:
    response = APIClient().post("/public/", {}, format="json", HTTP_AUTHORIZATION="Bearer broken")

    assert response.status_code == 401
    assert response.json()["detail"] == TOKEN_INVALID.format(reason="it is not a well-formed JWT")


def test_an_endpoint_without_authentication_ignores_a_broken_token() -> None:
    response = APIClient().post("/token-blind/", {}, format="json", HTTP_AUTHORIZATION="Bearer expired-or-broken")

    assert (response.status_code, response.json()) == (200, {"data": {}, "authenticated": False})
