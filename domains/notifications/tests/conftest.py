"""Notifications test data. Identity is a fake of its recorded contract (see the root conftest),
answering from a directory of the users each test registers: what notifications would learn from it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from domains.identity.interface import UserDTO, UserNotFoundError
from shared.contracts import Fakes


class Directory:
    """The users identity knows, as notifications sees them."""

    def __init__(self) -> None:
        self.users: dict[uuid.UUID, UserDTO] = {}

    def register(self, *, email: str, full_name: str) -> UserDTO:
        user = UserDTO(
            id=uuid.uuid4(),
            email=email,
            full_name=full_name,
            is_staff=False,
            is_active=True,
            date_joined=dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC),
        )
        self.users[user.id] = user
        return user

    def get_user(self, *, user_id: uuid.UUID) -> UserDTO:
        if user_id not in self.users:
            raise UserNotFoundError(user_id=user_id)
        return self.users[user_id]


@pytest.fixture(autouse=True)
def directory(fakes: Fakes) -> Directory:
    directory = Directory()
    fakes.identity.get_user.answers(directory.get_user)
    return directory
