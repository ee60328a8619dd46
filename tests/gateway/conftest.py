"""Callers for the gateway tests: registered users and their access tokens."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator

import pytest

from domains.identity.access_tokens import issue_access_token
from domains.identity.interface import UserDTO, identity
from shared.auth.principal import CUSTOMER_SCOPE, Principal
from tests.gateway import views
from tests.gateway.views import PASSWORD

_numbers = itertools.count()


@dataclasses.dataclass(frozen=True)
class Caller:
    user: UserDTO
    authorization: str
    """The Authorization header value that authenticates this caller."""


MakeCaller = Callable[[], Caller]


@pytest.fixture
def make_caller(db: None) -> MakeCaller:
    def make() -> Caller:
        email = f"caller{next(_numbers)}@example.com"
        user = identity.register_user(email=email, password=PASSWORD, full_name="Casey Caller")
        principal = Principal(id=user.id, email=user.email, scopes=frozenset({CUSTOMER_SCOPE}))
        return Caller(user=user, authorization=f"Bearer {issue_access_token(principal).token}")

    return make


@pytest.fixture(autouse=True)
def script() -> Iterator[views.Script]:
    """A fresh script for the test views; a held request is always let go at the end."""
    views.SCRIPT.reset()
    yield views.SCRIPT
    if views.SCRIPT.gate is not None:
        views.SCRIPT.gate.release.set()
