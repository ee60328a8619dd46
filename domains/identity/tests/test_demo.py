"""The demo accounts that `make run` loads and prints."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from domains.identity.demo import DEMO_PASSWORD, load_demo_data
from domains.identity.models import User
from shared.auth.principal import CUSTOMER_SCOPE, STAFF_SCOPE
from shared.auth.tokens import verify_access_token

pytestmark = pytest.mark.django_db


def test_loading_the_demo_twice_gives_one_customer_and_one_staff_user() -> None:
    first, second = load_demo_data(), load_demo_data()

    assert first == second
    assert first[:2] == [
        f"customer (scope customer): customer@example.com / {DEMO_PASSWORD}",
        f"staff (scope staff; admin at /admin/): staff@example.com / {DEMO_PASSWORD}",
    ]
    assert list(User.objects.order_by("email").values_list("email", "is_staff", "is_superuser")) == [
        ("customer@example.com", False, False),
        ("staff@example.com", True, True),
    ]


@pytest.mark.parametrize(
    ("email", "scopes"),
    [("customer@example.com", {CUSTOMER_SCOPE}), ("staff@example.com", {CUSTOMER_SCOPE, STAFF_SCOPE})],
    ids=["customer", "staff"],
)
def test_the_printed_logins_work_and_carry_their_scopes(api: APIClient, email: str, scopes: set[str]) -> None:
    load_demo_data()

    response = api.post("/api/identity/token/", {"email": email, "password": DEMO_PASSWORD}, format="json")

    assert verify_access_token(response.json()["access_token"]).scopes == scopes
