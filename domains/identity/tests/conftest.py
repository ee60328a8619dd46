from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from domains.identity.models import User
from domains.identity.tests.factories import make_user


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db: None) -> User:
    return make_user(email="ada@example.com", full_name="Ada Lovelace")
