"""Factories for identity tests: real users, real tokens, real key files."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from rest_framework.test import APIClient

from domains.identity.access_tokens import issue_access_token
from domains.identity.models import RefreshToken, User
from domains.identity.selectors import scopes_of
from shared.auth.principal import Principal
from shared.bus.models import StoredEvent
from shared.db import database_for
from shared.keyfiles import PrivateKey, generate_private_key, private_key_pem

PASSWORD = "correct-horse-battery-staple"


def make_user(
    *,
    email: str | None = None,
    password: str = PASSWORD,
    full_name: str = "Ada Lovelace",
    is_staff: bool = False,
    is_active: bool = True,
    **profile: Any,
) -> User:
    """A saved user; the email is unique unless given."""
    return User.objects.create_user(
        email or f"user-{uuid.uuid4().hex[:12]}@example.com",
        password,
        full_name=full_name,
        is_staff=is_staff,
        is_active=is_active,
        **profile,
    )


def principal_of(user: User) -> Principal:
    return Principal(id=user.id, email=user.email, scopes=scopes_of(user))


def bearer(user_or_token: User | str) -> dict[str, str]:
    """Test client keyword arguments that authenticate as a user (or with a given token)."""
    token = user_or_token if isinstance(user_or_token, str) else issue_access_token(principal_of(user_or_token)).token
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def log_in(api: APIClient, email: str = "ada@example.com", password: str = PASSWORD) -> dict[str, Any]:
    """Log in through the API; the token pair."""
    response = api.post("/api/identity/token/", {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def refresh(api: APIClient, refresh_token: str) -> Any:
    """Spend a refresh token through the API; the response."""
    return api.post("/api/identity/token/refresh/", {"refresh_token": refresh_token}, format="json")


def write_key_file(directory: Path, name: str, key: PrivateKey | None = None) -> Path:
    path = directory / f"{name}.pem"
    path.write_bytes(private_key_pem(key or generate_private_key()))
    return path


def identity_state() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, dict[str, Any]]]]:
    """Every identity row and every identity event, to show that a refused request changed nothing."""
    return (
        list(User.objects.order_by("id").values()),
        list(RefreshToken.objects.order_by("id").values()),
        list(
            StoredEvent.objects.using(database_for("identity"))
            .filter(name__startswith="identity.")
            .order_by("id")
            .values_list("name", "payload")
        ),
    )
