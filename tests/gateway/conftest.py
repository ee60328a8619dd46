"""Callers for the gateway tests: registered users and their credentials."""

from __future__ import annotations

import base64
import dataclasses
import itertools
from collections.abc import Callable, Iterator

import pytest

from domains.identity.interface import UserDTO, identity
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
        user = identity.register_user(email=f"caller{next(_numbers)}@example.com", password=PASSWORD, full_name="")
        basic = base64.b64encode(f"{user.email}:{PASSWORD}".encode()).decode()
        return Caller(user=user, authorization=f"Basic {basic}")

    return make


@pytest.fixture(autouse=True)
def script() -> Iterator[views.Script]:
    """A fresh script for the test views; a held request is always let go at the end."""
    views.SCRIPT.reset()
    yield views.SCRIPT
    if views.SCRIPT.gate is not None:
        views.SCRIPT.gate.release.set()
