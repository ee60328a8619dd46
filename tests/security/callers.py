"""Who calls in the authorization tests: real users with real tokens, and tokens that must fail."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import itertools
import json
import uuid
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from domains.identity.access_tokens import current_issuer, issue_access_token
from domains.identity.interface import identity
from domains.identity.tests.keys import key_set
from shared.auth.principal import CUSTOMER_SCOPE, STAFF_SCOPE, Principal

PASSWORD = "correct horse battery staple"
LOGIN = "/api/identity/token/"
_numbers = itertools.count()


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    id: uuid.UUID
    token: str


def log_in(client: Client, *, email: str) -> str:
    """The access token the identity provider issues at login."""
    response = client.post(LOGIN, data={"email": email, "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def registered_customer(client: Client) -> Caller:
    """A newly registered customer, logged in through the API."""
    user = identity.register_user(email=f"customer{next(_numbers)}@example.com", password=PASSWORD, full_name="Casey")
    return Caller(id=user.id, token=log_in(client, email=user.email))


def registered_staff(client: Client) -> Caller:
    """A staff member (made as an operator would, with the user model), logged in through the API."""
    email = f"staff{next(_numbers)}@example.com"
    user = get_user_model().objects.create_user(email, PASSWORD, full_name="Sam Staff", is_staff=True)
    return Caller(id=user.id, token=log_in(client, email=email))


# -- tokens signed without a database: the gateway must refuse the bad ones before any query --

SOMEONE = Principal(
    id=uuid.UUID("00000000-0000-4000-8000-00000000c0de"),
    email="someone@example.com",
    scopes=frozenset({CUSTOMER_SCOPE}),
)
SOMEONE_ON_STAFF = dataclasses.replace(SOMEONE, scopes=frozenset({CUSTOMER_SCOPE, STAFF_SCOPE}))


def token_for(principal: Principal) -> str:
    return issue_access_token(principal).token


def _expired() -> str:
    return issue_access_token(SOMEONE, now=timezone.now() - dt.timedelta(days=1)).token


def _forged() -> str:
    """A genuine customer token whose claims were edited to say staff; the signature no longer fits."""
    header, claims, signature = token_for(SOMEONE).split(".")
    edited = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    edited["scope"] = f"{CUSTOMER_SCOPE} {STAFF_SCOPE}"
    forged_claims = base64.urlsafe_b64encode(json.dumps(edited).encode()).rstrip(b"=").decode()
    return f"{header}.{forged_claims}.{signature}"


def _wrong_key() -> str:
    """Well formed and signed, but by a key this system does not trust."""
    intruder = dataclasses.replace(current_issuer(), keys=key_set("intruder"))
    return issue_access_token(SOMEONE, config=intruder).token


BAD_TOKENS: dict[str, Callable[[], str]] = {"expired": _expired, "forged": _forged, "wrong-key": _wrong_key}
